using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using NodeAgent.Files;
using NodeAgent.Health;
using NodeAgent.Operations;

namespace NodeAgent.Api;

/// <summary>
/// The one place domain refusals become gRPC statuses. Bugs become INTERNAL without exception text. Until crash
/// recovery has finished, every call is UNAVAILABLE.
/// </summary>
internal sealed partial class ErrorInterceptor(AgentReadiness readiness, ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        if (!readiness.IsReady)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the agent is finishing crash recovery; retry shortly"));
        }

        try
        {
            return await call();
        }
        catch (AgentException ex)
        {
            throw new RpcException(new Status(ToStatusCode(ex.Kind), ex.Message));
        }
        catch (DiskFullException ex)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, ex.Message));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            // A malformed message in a client stream (the unary requests were checked by RequestBounds already).
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"a message of the request is not valid protobuf: {Validation.InputRules.Shorten(ex.Message)}"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            LogBug(ex, context.Method);
            throw new RpcException(new Status(StatusCode.Internal, "internal error in the agent; see its log"));
        }
    }

    public static StatusCode ToStatusCode(AgentErrorKind kind) => kind switch
    {
        AgentErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        AgentErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        AgentErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        AgentErrorKind.NotFound => StatusCode.NotFound,
        AgentErrorKind.Aborted => StatusCode.Aborted,
        AgentErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        AgentErrorKind.Unavailable => StatusCode.Unavailable,
        AgentErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        _ => StatusCode.Unknown,
    };

    [LoggerMessage(EventId = 700, Level = LogLevel.Error, Message = "Unexpected error in {Method}")]
    private partial void LogBug(Exception exception, string method);
}
