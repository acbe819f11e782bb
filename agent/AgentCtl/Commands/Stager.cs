using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary>Streams a local file to the agent's store, sending no content when the agent already has it.</summary>
internal static class Stager
{
    private const int ChunkSize = 1024 * 1024;

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
        using var call = context.Client.StageArtifact(cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = header }, cancellationToken);
            if (present.Artifacts.Count == 0)
            {
                await SendContentAsync(call.RequestStream, path, cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The agent answered before reading everything (refused, or already present): its answer says why.
        }

        return await call.ResponseAsync;
    }

    private static async Task SendContentAsync(IClientStreamWriter<StageArtifactRequest> stream, string path, CancellationToken cancellationToken)
    {
        await using var input = File.OpenRead(path);
        var buffer = new byte[ChunkSize];
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await stream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
        }
    }
}
