using System.CommandLine;
using System.Security.Cryptography;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator sign PLAN --key release.key [--manifest-out FILE]</c></summary>
internal static class SignCommand
{
    public static Command Build()
    {
        var plan = CliOptions.PlanArgument();
        var key = new Option<string>("--key") { Description = "The release private key (PEM, ECDSA P-256; agentctl certs release-key)", Required = true };
        var manifestOut = new Option<string?>("--manifest-out") { Description = "Also write the signed manifest text here (for agentctl apply --manifest)" };
        var command = new Command("sign", "Sign the plan's release manifest (target version, artifact names and digests); prints the plan's signature line") { plan, key, manifestOut };
        command.SetAction(parse =>
        {
            var loaded = CliOptions.LoadPlan(parse, plan);
            if (loaded is null)
            {
                return ExitCodes.InvalidPlan;
            }

            byte[] signature;
            try
            {
                using var signer = ECDsa.Create();
                signer.ImportFromPem(File.ReadAllText(parse.GetValue(key)!));
                signature = loaded.Manifest.Sign(signer);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"nodeagent-coordinator: cannot sign with {parse.GetValue(key)}: {ex.Message}");
                return ExitCodes.InvalidPlan;
            }

            if (parse.GetValue(manifestOut) is { Length: > 0 } path)
            {
                File.WriteAllBytes(path, loaded.Manifest.ToCanonicalBytes());
            }

            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"# add this line to {parse.GetValue(plan)}; agents with Security:ReleasePublicKey refuse unsigned applies");
            output.WriteLine($"signature: {Convert.ToBase64String(signature)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
