using System.CommandLine;
using System.Security.Cryptography;
using AgentCtl.Certs;
using NodeAgent.CommandLine;

namespace AgentCtl.Commands;

/// <summary>
/// <c>agentctl certs ca|agent|client|release-key</c>: a CA, agent and client certificates, and a release signing key,
/// written as PEM files (keys 0600). Runs locally; never talks to an agent.
/// </summary>
internal static class CertsCommand
{
    public static Command Build()
    {
        var command = new Command("certs", CommandFactory.Describe("Create a CA, agent and client certificates, and a release signing key (PEM files; no agent needed)", "agentctl certs ca --out ./pki"));
        command.Subcommands.Add(Authority());
        command.Subcommands.Add(Agent());
        command.Subcommands.Add(Client());
        command.Subcommands.Add(ReleaseKey());
        return command;
    }

    private static Option<string> Out() => new("--out") { Description = "Directory for the new files", Required = true };

    private static Option<string> CaDir() => new("--ca-dir") { Description = "Directory holding ca.pem and ca.key", Required = true };

    private static Option<int> Days(int fallback) => new("--days") { Description = $"Days of validity (default {fallback})", DefaultValueFactory = _ => fallback };

    private static Command Authority()
    {
        var output = Out();
        var name = new Option<string>("--name") { Description = "The CA's common name", DefaultValueFactory = _ => "NodeAgent CA" };
        var days = Days(3650);
        var command = new Command("ca", CommandFactory.Describe("A new certificate authority: ca.pem (give to every agent and caller) and ca.key (keep offline)", "agentctl certs ca --out ./pki")) { output, name, days };
        return Local(command, parse =>
        {
            var now = TimeProvider.System.GetUtcNow();
            var ca = CertificateFactory.CreateAuthority(parse.GetValue(name)!, now.AddMinutes(-5), now.AddDays(parse.GetValue(days)));
            ca.Write(parse.GetValue(output)!, "ca");
            return $"wrote {Path.Combine(parse.GetValue(output)!, "ca.pem")} and ca.key (valid until {ca.Certificate.NotAfter:u})";
        });
    }

    private static Command Agent()
    {
        var node = new Argument<string>("node") { Description = "The node name: the coordinator and agentctl check it against the certificate" };
        var addresses = new Option<string[]>("--address") { Description = "Also valid for this IP address or DNS name (repeatable)", AllowMultipleArgumentsPerToken = true };
        var (output, caDir, days) = (Out(), CaDir(), Days(365));
        var command = new Command("agent", CommandFactory.Describe("A certificate for the agent on one node (server auth; SANs: the node name and --address)", "agentctl certs agent node-7 --address 10.0.0.7 --ca-dir ./pki --out ./pki/node-7")) { node, addresses, output, caDir, days };
        return Local(command, parse => Issue(parse, output, caDir, parse.GetValue(node)!, (ca, start, end) =>
            CertificateFactory.CreateAgent(ca, parse.GetValue(node)!, parse.GetValue(addresses) ?? [], start, end), days));
    }

    private static Command Client()
    {
        var name = new Argument<string>("name") { Description = "Who holds it, for example coordinator or alice" };
        var role = new Option<string>("--role") { Description = "admin, operator, monitor or peer (the certificate's OU)", Required = true };
        role.AcceptOnlyFromAmong("admin", "operator", "monitor", "peer");
        var uris = new Option<string[]>("--uri") { Description = "Add a URI SAN, for role mapping rules on Uri (repeatable)", AllowMultipleArgumentsPerToken = true };
        var (output, caDir, days) = (Out(), CaDir(), Days(365));
        var command = new Command("client", CommandFactory.Describe("A certificate for a caller (client auth; the role goes in the OU)", "agentctl certs client alice --role operator --ca-dir ./pki --out ./pki/alice")) { name, role, uris, output, caDir, days };
        return Local(command, parse => Issue(parse, output, caDir, parse.GetValue(name)!, (ca, start, end) =>
            CertificateFactory.CreateClient(ca, parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(uris) ?? [], start, end), days));
    }

    private static Command ReleaseKey()
    {
        var output = Out();
        var command = new Command("release-key", CommandFactory.Describe("A release signing key pair: release.key (signs plans; keep offline) and release.pub (Security:ReleasePublicKey)", "agentctl certs release-key --out ./keys")) { output };
        return Local(command, parse =>
        {
            var directory = parse.GetValue(output)!;
            Directory.CreateDirectory(directory);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var privatePath = Path.Combine(directory, "release.key");
            IssuedCertificate.WritePrivate(privatePath, key.ExportPkcs8PrivateKeyPem());

            File.WriteAllText(Path.Combine(directory, "release.pub"), key.ExportSubjectPublicKeyInfoPem() + "\n");
            return $"wrote {privatePath} and release.pub";
        });
    }

    private static string Issue(
        ParseResult parse,
        Option<string> output,
        Option<string> caDir,
        string name,
        Func<IssuedCertificate, DateTimeOffset, DateTimeOffset, IssuedCertificate> create,
        Option<int> days)
    {
        var ca = IssuedCertificate.Read(parse.GetValue(caDir)!, "ca");
        var now = TimeProvider.System.GetUtcNow();
        var issued = create(ca, now.AddMinutes(-5), now.AddDays(parse.GetValue(days)));
        issued.Write(parse.GetValue(output)!, name);
        return $"wrote {Path.Combine(parse.GetValue(output)!, name + ".pem")} and {name}.key ({issued.Certificate.Subject}, valid until {issued.Certificate.NotAfter:u})";
    }

    private static Command Local(Command command, Func<ParseResult, string> action)
    {
        command.SetAction(parse =>
        {
            try
            {
                parse.InvocationConfiguration.Output.WriteLine(action(parse));
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                throw new CliFailure($"certs: {ex.Message}", ExitCodes.Usage);
            }
        });
        return command;
    }
}
