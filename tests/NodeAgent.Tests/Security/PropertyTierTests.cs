using System.Security.Cryptography.X509Certificates;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Fuzz;
using NodeAgent.Health;
using NodeAgent.Security;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Security;

/// <summary>
/// The property-based tier: more than 10,000 generated hostile inputs per run, of five kinds: requests to a real agent,
/// plan files, agent config files, certificate subjects and state-directory contents. Each must be accepted or
/// refused cleanly (a clear error naming the key or field, no control characters, nothing written outside).
/// </summary>
[Trait("Category", "Security")]
public sealed class PropertyTierTests(ITestOutputHelper output)
{
    private const int Requests = 2500;
    private const int PlanFiles = 3000;
    private const int ConfigFiles = 3000;
    private const int Subjects = 1700;
    private const int StateDirs = 12;

    private const string ValidConfig = """
        nodeName: n1
        stateDir: /var/lib/na-prop
        serviceManager: process
        listeners:
          unixSocket: /run/na-prop/agent.sock
        security:
          allowUnsignedReleases: true
          plaintextRole: monitor
          auditRefusalsPerMinute: 10
        limits:
          maxRequestBytes: 65536
          uploadIdleSeconds: 30
        store:
          minFreeBytes: 0
        components:
          - name: kubelet
            unit: kubelet.service
            files:
              - { role: binary, path: /usr/local/bin/kubelet, mode: "0755" }
            healthUrl: http://127.0.0.1:10248/healthz
            version: { pattern: 'v?[0-9]+' }

        """;

    private static readonly string[] ConfigSlots =
    [
        "n1", "/var/lib/na-prop", "process", "/run/na-prop/agent.sock", "true", "monitor", "10", "65536", "30", "kubelet.service", "binary",
        "/usr/local/bin/kubelet", "0755", "http://127.0.0.1:10248/healthz", "'v?[0-9]+'",
    ];

    private static readonly Gen<string> Configs = Gen.Frequency(
        (2, RandomInputTests.Substituted(ValidConfig, ConfigSlots)),
        (2, RandomInputTests.Mutated(ValidConfig)));

    private static readonly Gen<(string Cn, string[] Ous)> SubjectParts =
        Gen.Select(
            Gen.Frequency((1, Gen.Const("alice")), (2, RandomInputTests.Hostile)),
            Gen.Frequency((3, Gen.OneOf("admin", "operator", "monitor", "peer", "sre")), (2, RandomInputTests.Hostile)).Array[0, 3]);

    [Fact]
    public async Task TenThousandGeneratedHostileInputs_AreAllAcceptedOrRefusedCleanly()
    {
        var problems = new List<string>();
        var tried = 0;

        tried += await RequestsAsync(problems);
        tried += Files(problems, RandomInputTests.Plans, PlanFiles, "plan");
        tried += Files(problems, Configs, ConfigFiles, "config");
        tried += CertificateSubjects(problems);
        tried += await StateDirectoriesAsync(problems);

        problems.AddRange(Directory.EnumerateFileSystemEntries("/tmp", $"*{RandomInputTests.Token}*").Select(path => $"created outside: {path}"));
        output.WriteLine($"hostile inputs: {tried} tried, {tried - problems.Count} refused cleanly");
        problems.Take(20).ToList().ForEach(output.WriteLine);
        Assert.True(tried >= 10_000, $"only {tried} inputs");
        Assert.Empty(problems);
    }

    private static async Task<int> RequestsAsync(List<string> problems)
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { LimitsYaml = "  mutatingCallsPerMinute: 1000000\n" });
        var tried = 0;
        await RandomInputTests.Calls.SampleAsync(
            async call =>
            {
                tried++;
                var (status, message) = await HostileInputTests.SendAsync(() => RandomInputTests.SendAsync(node.Client, call));
                problems.AddRange(HostileInputTests.RefusalProblems($"request kind {call.Kind}", status, message, expected: null, phrase: "").Select(p => $"{p} for {call}"));
            },
            iter: Requests,
            threads: 1);
        if ((await node.Client.GetInfoAsync(new GetInfoRequest())).NodeName != "test-node")
        {
            problems.Add("the agent stopped answering after the random requests");
        }

        return tried;
    }

    /// <summary>Loads each generated document as the fuzz target's file: it loads, or every error is located and printable.</summary>
    private static int Files(List<string> problems, Gen<string> documents, int count, string target)
    {
        using var dir = new TempDir();
        var tried = 0;
        documents.Sample(
            text =>
            {
                tried++;
                if (ParserTargets.Problem(target, System.Text.Encoding.UTF8.GetBytes(text), dir.Path) is { } problem)
                {
                    problems.Add($"{problem} for {text}");
                }
            },
            iter: count,
            threads: 1);
        return tried;
    }

    /// <summary>Certificates of the agent's CA with hostile names: a role only for exactly one role OU, text always escaped.</summary>
    private static int CertificateSubjects(List<string> problems)
    {
        using var dir = new TempDir();
        var pki = new TestPki(dir.Path);
        var options = new AgentOptions { Security = new SecurityOptions { Tls = new TlsOptions { Certificate = pki.AgentCertificate, Key = pki.AgentKey, ClientCa = pki.CaBundle } } };
        var tls = new ServerTls(options, TimeProvider.System, new AgentMetrics(), NullLogger<ServerTls>.Instance);
        var resolver = new CallerResolver(options, new LocalPeers(), tls);
        var tried = 0;
        SubjectParts.Sample(
            parts =>
            {
                if (Subject(parts) is not { } subject)
                {
                    return;
                }

                tried++;
                using var certificate = pki.Issue(subject);
                var context = new DefaultHttpContext();
                context.Connection.Id = "property-tier";
                context.Connection.ClientCertificate = certificate;
                var caller = resolver.Resolve(context);
                var roles = parts.Ous.Where(ou => ou is "admin" or "operator" or "monitor" or "peer").Distinct(StringComparer.Ordinal).Count();
                if ((caller.Role is not null) != (roles == 1) || $"{caller.Name}{caller.Refusal}".Any(char.IsControl))
                {
                    problems.Add($"subject {subject.Name}: role {caller.Role}, name \"{caller.Name}\", refusal \"{caller.Refusal}\"");
                }
            },
            iter: Subjects,
            threads: 1);
        return tried;
    }

    private static X500DistinguishedName? Subject((string Cn, string[] Ous) parts)
    {
        try
        {
            var name = new X500DistinguishedNameBuilder();
            name.AddCommonName(parts.Cn.Length == 0 ? "x" : parts.Cn[..Math.Min(parts.Cn.Length, 64)]);
            foreach (var ou in parts.Ous.Where(ou => ou.Length > 0))
            {
                name.AddOrganizationalUnitName(ou[..Math.Min(ou.Length, 64)]);
            }

            return name.Build();
        }
        catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException or System.Text.EncoderFallbackException)
        {
            // Text no certificate can carry (a lone surrogate): nothing to try.
            return null;
        }
    }

    /// <summary>Junk in the state directory (journal, temp, blobs, metadata, audit): the agent starts and answers, or refuses clearly.</summary>
    private static async Task<int> StateDirectoriesAsync(List<string> problems)
    {
        var junk = Gen.Select(Gen.OneOf("journal", "tmp", "blobs/sha256", "blobs/meta", "audit", "run"), RandomInputTests.Hostile, RandomInputTests.Hostile).Array[1, 12];
        var cases = new List<(string Directory, string Name, string Content)[]>();
        junk.Sample(entries => cases.Add(entries), iter: StateDirs, threads: 1);
        foreach (var entries in cases)
        {
            await using var node = TestNode.Create();
            foreach (var (directory, name, content) in entries)
            {
                var safeName = string.Concat(name.Where(c => c is not '/' and not '\0' && !char.IsSurrogate(c))).Trim();
                var folder = Path.Combine(node.StateDir, directory);
                Directory.CreateDirectory(folder);
                File.WriteAllBytes(Path.Combine(folder, safeName is "" or "." or ".." ? "junk" : safeName[..Math.Min(safeName.Length, 200)]), System.Text.Encoding.UTF8.GetBytes(content));
            }

            try
            {
                await node.StartAgentAsync();
                if ((await node.Client.GetInfoAsync(new GetInfoRequest())).NodeName != "test-node")
                {
                    problems.Add("state dir: the agent did not answer");
                }
            }
            catch (AgentConfigException ex) when (!ex.Message.Any(c => char.IsControl(c) && c != '\n'))
            {
                // A clear refusal to start is a clean outcome.
            }
            catch (Exception ex)
            {
                problems.Add($"state dir: {ex.GetType().Name} {ex.Message} with {string.Join(", ", entries.Select(e => $"{e.Directory}/{e.Name}"))}");
            }
        }

        return cases.Count;
    }
}
