using System.Security.Cryptography;
using Grpc.Core;
using NodeAgent.Client.Transport;
using NodeAgent.CommandLine;

namespace AgentCtl;

/// <summary>Turns what can go wrong in a command into one <see cref="CliFailure"/> with its documented exit code.</summary>
internal static class ErrorReporter
{
    public static async Task<int> RunAsync(CliContext context, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (RpcException ex) when (TransportErrors.IsUnreachable(ex))
        {
            throw new CliFailure(
                $"cannot reach the agent: {TransportErrors.Describe("", context.Address.ToString(), ex)}",
                ExitCodes.Unavailable,
                context.Address.SocketPath is null ? "check the address and port, and that the agent listens there" : "is the agent running (systemctl status nodeagent)? run as root, or give --address");
        }
        catch (RpcException ex)
        {
            throw new CliFailure($"{ex.StatusCode}: {ex.Status.Detail}", ExitCodes.FromStatus(ex.StatusCode), HintFor(ex.StatusCode));
        }
        catch (OperationCanceledException)
        {
            throw new CliFailure("cancelled; the operation, if one was started, goes on in the agent", ExitCodes.Unavailable, "see agentctl ops");
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            throw new CliFailure(ex.Message, ExitCodes.Usage);
        }
    }

    private static string? HintFor(StatusCode code) => code switch
    {
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => "your role is the OU of your client certificate; over the local socket, run as root",
        StatusCode.ResourceExhausted => "free disk space in the agent's state directory, or wait for running calls to end",
        StatusCode.NotFound => "agentctl status lists the components; agentctl artifacts the staged blobs; agentctl ops the operations",
        _ => null,
    };
}
