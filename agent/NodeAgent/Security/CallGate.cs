using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using NodeAgent.Contracts.V1;
using NodeAgent.Validation;

namespace NodeAgent.Security;

/// <summary>
/// The first thing every call meets: who is calling (Unix peer, client certificate, plaintext loopback), may that
/// role make this call (deny by default), is the caller within its limits; then, after the call, the audit entry
/// for every mutating call and every refusal.
/// </summary>
internal sealed class CallGate(CallerResolver resolver, CallLimits limits, AuditLog audit) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => request as IMessage, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var reader = new FirstMessageReader<TRequest>(requestStream);
        return GuardAsync(context, () => reader.First as IMessage, () => continuation(reader, context));
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => request as IMessage, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => null, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<IMessage?> request, Func<Task<T>> call)
    {
        var caller = resolver.Resolve(context);
        var mutating = AgentRoles.IsMutating(context.Method);
        var denial = caller.Role is { } role ? AgentRoles.Check(role, context.Method) : caller.Refusal;

        // A refused call counts against the caller's rate of mutating calls, so refusals cannot flood the audit trail.
        var (lease, refusal) = limits.Enter(caller.LimitKey, mutating || denial is not null);
        if (lease is null)
        {
            if (limits.FirstRefusalThisMinute(caller.LimitKey))
            {
                Audit(caller, context, request(), StatusCode.ResourceExhausted, refusal!);
            }

            throw new RpcException(new Status(StatusCode.ResourceExhausted, refusal!));
        }

        using (lease)
        {
            if (denial is not null)
            {
                var status = caller.Role is not null || caller.Transport == CallerIdentity.Unix ? StatusCode.PermissionDenied : StatusCode.Unauthenticated;
                Audit(caller, context, request(), status, denial);
                throw new RpcException(new Status(status, denial));
            }

            try
            {
                var result = await call();
                if (mutating)
                {
                    Audit(caller, context, request(), StatusCode.OK, "");
                }

                return result;
            }
            catch (RpcException ex)
            {
                if (mutating || ex.StatusCode is StatusCode.PermissionDenied or StatusCode.ResourceExhausted)
                {
                    Audit(caller, context, request(), ex.StatusCode, ex.Status.Detail);
                }

                throw;
            }
        }
    }

    private void Audit(CallerIdentity caller, ServerCallContext context, IMessage? request, StatusCode status, string message)
    {
        var entry = new AuditEntry
        {
            Caller = caller.Name,
            Role = caller.Role is { } role ? AgentRoles.Name(role) : "",
            Transport = caller.Transport,
            Method = InputRules.Shorten(AgentRoles.ShortName(context.Method)),
            Outcome = status.ToString(),
            Message = message,
        };
        if (request is not null)
        {
            Describe(request, entry);
        }

        audit.Record(entry);
    }

    /// <summary>Copies the operation id, component and every digest a request names into the entry.</summary>
    private static void Describe(IMessage message, AuditEntry entry)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            switch (field.FieldType, field.Name, value)
            {
                case (FieldType.String, "operation_id", string id) when entry.OperationId.Length == 0:
                    entry.OperationId = InputRules.Shorten(id);
                    break;
                case (FieldType.String, "component", string component) when entry.Component.Length == 0:
                    entry.Component = InputRules.Shorten(component);
                    break;
                case (FieldType.String, "sha256", string digest) when digest.Length > 0:
                    entry.Digests.Add(InputRules.Shorten(digest));
                    break;
                case (FieldType.Message, _, System.Collections.IList items):
                    foreach (var item in items.OfType<IMessage>())
                    {
                        Describe(item, entry);
                    }

                    break;
                case (FieldType.Message, _, IMessage child):
                    Describe(child, entry);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Passes a client stream through and keeps its first message (the staging header) for the audit entry.</summary>
    private sealed class FirstMessageReader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public T? First { get; private set; }

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var moved = await inner.MoveNext(cancellationToken);
            if (moved && First is null)
            {
                First = inner.Current;
            }

            return moved;
        }
    }
}
