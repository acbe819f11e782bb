using System.Security.Cryptography;
using NodeAgent.Client.Operations;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary>Streams a local file to the agent's store, sending no content when the agent already has it.</summary>
internal static class Stager
{
    public static async Task<StageArtifactResponse> StageAsync(CliContext context, string path, string? name, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw new IOException($"{path} is a directory; stage one file at a time");
        }

        if (!File.Exists(path))
        {
            throw new IOException($"{path}: no such file");
        }

        string digest;
        await using (var hashing = File.OpenRead(path))
        {
            digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(hashing, cancellationToken));
        }

        var size = new FileInfo(path).Length;
        var header = new ArtifactHeader { Name = name ?? Path.GetFileName(path), Sha256 = digest, Size = size };
        var present = await context.Client.ListArtifactsAsync(new ListArtifactsRequest { Sha256 = { digest } }, cancellationToken: cancellationToken);
        Func<CancellationToken, Task<Stream>>? content = present.Artifacts.Count == 0 ? _ => Task.FromResult<Stream>(File.OpenRead(path)) : null;
        return await ArtifactUpload.UploadAsync(context.Client, header, content, deadline: null, cancellationToken);
    }
}
