using System.Net.Sockets;
using Grpc.Core;

namespace AgentCtl;

/// <summary>Turns failures into one line on stderr and a documented exit code.</summary>
internal static class ErrorReporter
{
    public static async Task<int> RunAsync(CliContext context, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal && ex.InnerException is HttpRequestException or SocketException)
        {
            await context.Err.WriteLineAsync($"agentctl: cannot reach the agent: {ex.Status.Detail}{Innermost(ex)}");
            return ExitCodes.Unavailable;
        }
        catch (RpcException ex)
        {
            await context.Err.WriteLineAsync($"agentctl: {ex.StatusCode}: {ex.Status.Detail}");
            return ExitCodes.FromStatus(ex.StatusCode);
        }
        catch (OperationCanceledException)
        {
            await context.Err.WriteLineAsync("agentctl: cancelled; the operation, if one was started, goes on in the agent (see agentctl ops)");
            return ExitCodes.Unavailable;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            await context.Err.WriteLineAsync($"agentctl: {ex.Message}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>The root cause of a transport failure (a refused certificate, a missing socket), when it adds something.</summary>
    private static string Innermost(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return ReferenceEquals(inner, ex) || ex.Message.Contains(inner.Message, StringComparison.Ordinal) ? "" : $" ({inner.Message})";
    }
}
