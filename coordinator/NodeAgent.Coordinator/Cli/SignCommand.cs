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
        var days = new Option<int>("--valid-days") { Description = "Days until agents stop accepting the signature (default 7)", DefaultValueFactory = _ => 7 };
        var command = new Command("sign", "Sign the plan's release manifest (target version, expiry, every component file and digest); prints the plan's signature section") { plan, key, manifestOut, days };
        command.SetAction(parse =>
        {
            var loaded = CliOptions.LoadPlan(parse, plan);
            if (parse.GetValue(days) is < 1 or > 366)
            {
                parse.InvocationConfiguration.Error.WriteLine("nodeagent-coordinator: --valid-days must be 1 to 366");
                return ExitCodes.InvalidPlan;
            }

            var now = TimeProvider.System.GetUtcNow();
            var manifest = loaded.ManifestUntil(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddDays(parse.GetValue(days)));
            byte[] signature;
            try
            {
                using var signer = ECDsa.Create();
                signer.ImportFromPem(File.ReadAllText(parse.GetValue(key)!));
                signature = manifest.Sign(signer);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"nodeagent-coordinator: cannot sign with {parse.GetValue(key)}: {ex.Message}");
                return ExitCodes.InvalidPlan;
            }

            if (parse.GetValue(manifestOut) is { Length: > 0 } path)
            {
                File.WriteAllBytes(path, manifest.ToCanonicalBytes());
            }

            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"# add this section to {parse.GetValue(plan)}; agents with Security:ReleasePublicKey refuse unsigned applies");
            output.WriteLine("signature:");
            output.WriteLine($"  expires: {manifest.Expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)}");
            output.WriteLine($"  value: {Convert.ToBase64String(signature)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
