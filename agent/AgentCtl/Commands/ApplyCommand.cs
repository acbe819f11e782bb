using System.CommandLine;
using NodeAgent.Client.Shapes;
using NodeAgent.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl apply COMPONENT --file ROLE=SHA256|ROLE=PATH ... --version V [--marker]</c></summary>
internal static class ApplyCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var files = new Option<string[]>("--file")
        {
            Description = "ROLE=SHA256 of a staged blob, or ROLE=PATH of a local file to stage first; repeat per file",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var version = new Option<string>("--version") { Description = "The version the component must report afterwards, for example v1.17.0", Required = true };
        var marker = new Option<bool>("--marker") { Description = "Write the component's hash-skip marker before the new version starts" };
        var markerOld = new Option<string?>("--marker-old-version") { Description = "Old cluster version for the marker (default: what the component reports now)" };
        var manifest = new Option<string?>("--manifest") { Description = "Release manifest file (nodeagent-coordinator sign --manifest-out), for agents that require signed releases" };
        var signature = new Option<string?>("--signature") { Description = "Base64 signature of --manifest (the plan's signature)" };
        var timeout = CommandFactory.HealthTimeoutOption();
        var soak = DurationOption.Create("--connection-soak", "How long to wait after healthy before counting API server connections (components with countConnections)");
        return CommandFactory.OperationCommand(
            "apply",
            CommandFactory.Describe(
                "Swap a component's files to staged blobs, restart it, check health, and roll back automatically on failure",
                "agentctl apply kubelet --file binary=./kubelet-v1.17.0 --version v1.17.0 --marker --health-timeout 2m"),
            connection,
            async (parse, id, component, cancellationToken, context) =>
            {
                var request = new ApplyRequest
                {
                    OperationId = id,
                    Component = component,
                    TargetVersion = parse.GetValue(version)!,
                    HealthTimeout = CommandFactory.Timeout(parse, timeout),
                    ConnectionSoak = CommandFactory.Timeout(parse, soak),
                    Marker = new MarkerOptions { Write = parse.GetValue(marker), OldVersion = parse.GetValue(markerOld) ?? "" },
                };
                foreach (var spec in parse.GetValue(files)!)
                {
                    request.Files.Add(await ResolveAsync(context, spec, cancellationToken));
                }

                if (parse.GetValue(manifest) is { Length: > 0 } manifestFile)
                {
                    request.SignedManifest = new SignedManifest
                    {
                        Manifest = Google.Protobuf.ByteString.CopyFrom(await File.ReadAllBytesAsync(Path.GetFullPath(manifestFile), cancellationToken)),
                        Signature = Google.Protobuf.ByteString.FromBase64(parse.GetValue(signature) ?? throw new CliFailure("--manifest needs --signature", ExitCodes.Usage, "pass the plan's signature value with --signature")),
                    };
                }

                return (await context.Client.ApplyAsync(request, cancellationToken: cancellationToken)).Operation;
            },
            files,
            version,
            marker,
            markerOld,
            manifest,
            signature,
            timeout,
            soak);
    }

    private static async Task<TargetFile> ResolveAsync(CliContext context, string spec, CancellationToken cancellationToken)
    {
        var parts = spec.Split('=', 2);
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new CliFailure($"--file {spec}: expected ROLE=SHA256 or ROLE=PATH", ExitCodes.Usage, "for example --file binary=./kubelet or --file binary=<64 hex digits of a staged blob>");
        }

        if (AgentShapes.IsDigest(parts[1]))
        {
            return new TargetFile { Role = parts[0], Sha256 = parts[1] };
        }

        var staged = await Stager.StageAsync(context, parts[1], null, cancellationToken);
        await context.Err.WriteLineAsync($"  staged {parts[1]} as {staged.Sha256}{(staged.AlreadyPresent ? " (already present)" : "")}");
        return new TargetFile { Role = parts[0], Sha256 = staged.Sha256 };
    }
}
