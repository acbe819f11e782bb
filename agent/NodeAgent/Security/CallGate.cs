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
internal sealed class CallGate(CallerResolver resolver, CallLimits limits, AuditLog audit, TimeProvider time) : Interceptor
{
    /// <summary>How long a refused upload may take to send its header, which its audit entry names.</summary>
    private static readonly TimeSpan HeaderWait = TimeSpan.FromSeconds(2);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, _ => Task.FromResult(request as IMessage), () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var reader = new FirstMessageReader<TRequest>(requestStream);
        return GuardAsync(context, reader.FirstAsync, () => continuation(reader, context));
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, _ => Task.FromResult(request as IMessage), async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, _ => Task.FromResult<IMessage?>(null), async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<CancellationToken, Task<IMessage?>> request, Func<Task<T>> call)
    {
        var caller = resolver.Resolve(context.GetHttpContext());
        var mutating = AgentRoles.IsMutating(context.Method);
        var denial = caller.Role is { } role ? AgentRoles.Check(role, context.Method) : caller.Refusal;
        if (denial is null && caller.Role is { } allowed && AgentRoles.HasRoleOptions(context.Method))
        {
            denial = AgentRoles.CheckOptions(allowed, await request(context.CancellationToken));
        }

        // A refused call counts against the caller's rate of mutating calls; the audit writes refusals at a bounded rate.
        var (lease, refusal) = limits.Enter(caller.LimitKey, mutating || denial is not null);
        if (lease is null)
        {
            audit.RecordRefusal(await EntryAsync(caller, context, request, StatusCode.ResourceExhausted, refusal!), caller.LimitKey);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, refusal!));
        }

        using (lease)
        {
            if (denial is not null)
            {
                var status = caller.Role is not null || caller.Transport == CallerIdentity.Unix ? StatusCode.PermissionDenied : StatusCode.Unauthenticated;
                audit.RecordRefusal(await EntryAsync(caller, context, request, status, denial), caller.LimitKey);
                throw new RpcException(new Status(status, denial));
            }

            try
            {
                var result = await call();
                if (mutating)
                {
                    audit.Record(await EntryAsync(caller, context, request, StatusCode.OK, ""));
                }

                return result;
            }
            catch (RpcException ex) when (mutating)
            {
                audit.Record(await EntryAsync(caller, context, request, ex.StatusCode, ex.Status.Detail));
                throw;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.ResourceExhausted)
            {
                audit.RecordRefusal(await EntryAsync(caller, context, request, ex.StatusCode, ex.Status.Detail), caller.LimitKey);
                throw;
            }
        }
    }

    private async Task<AuditEntry> EntryAsync(CallerIdentity caller, ServerCallContext context, Func<CancellationToken, Task<IMessage?>> request, StatusCode status, string message)
    {
        using var wait = new CancellationTokenSource(HeaderWait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, context.CancellationToken);
        return Entry(caller, context.Method, await request(linked.Token), status, message);
    }

    /// <summary>An audit entry for a call; <paramref name="request"/> (when known) gives the operation id, component and digests.</summary>
    public static AuditEntry Entry(CallerIdentity caller, string method, IMessage? request, StatusCode status, string message)
    {
        var entry = new AuditEntry
        {
            Caller = caller.Name,
            Role = caller.Role is { } role ? AgentRoles.Name(role) : "",
            Transport = caller.Transport,
            Method = InputRules.Shorten(AgentRoles.ShortName(method)),
            Outcome = status.ToString(),
            Message = message,
        };
        if (request is not null)
        {
            Describe(request, entry);
        }

        return entry;
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
        private bool _read;

        public T Current => inner.Current;

        private T? First { get; set; }

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var moved = await inner.MoveNext(cancellationToken);
            if (!_read)
            {
                _read = true;
                First = moved ? inner.Current : default;
            }

            return moved;
        }

        /// <summary>The first message; for a refused call, read here (the handler never ran), or null if it does not come in time.</summary>
        public async Task<IMessage?> FirstAsync(CancellationToken cancellationToken)
        {
            if (!_read)
            {
                try
                {
                    await MoveNext(cancellationToken);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or InvalidProtocolBufferException or RpcException)
                {
                    _read = true;
                }
            }

            return First as IMessage;
        }
    }
}
