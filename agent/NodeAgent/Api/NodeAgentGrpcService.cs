using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NodeAgent.Components;
using NodeAgent.Health;
using NodeAgent.Marker;
using NodeAgent.Operations;
using NodeAgent.Security;
using NodeAgent.Store;
using NodeAgent.Validation;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Api;

/// <summary>The gRPC adapter: map the request, call one domain service, map the answer back.</summary>
internal sealed class NodeAgentGrpcService(
    ArtifactStore store,
    GarbageCollector collector,
    OperationService operations,
    OperationRegistry registry,
    OperationJournal journal,
    ComponentInspector inspector,
    MarkerService markers,
    AgentMetrics metrics,
    AgentIdentity identity,
    StagingBudget stagingBudget,
    ReleaseKey releaseKey,
    AuditLog audit,
    UploadIdleLimit idleLimit,
    Distribution.BlobServer blobServer) : V1.NodeAgentService.NodeAgentServiceBase
{
    public const int ChunkSize = 1024 * 1024;

    public override async Task<V1.GetInfoResponse> GetInfo(V1.GetInfoRequest request, ServerCallContext context)
    {
        var states = await inspector.InspectAsync(request.Probe, context.CancellationToken);
        var blobs = store.List();
        var response = new V1.GetInfoResponse
        {
            NodeName = identity.NodeName,
            AgentVersion = identity.Version,
            StartedAt = Timestamp.FromDateTimeOffset(identity.StartedAt),
            ServiceManager = identity.ServiceManager,
            Store = new V1.StoreStatus
            {
                BlobCount = blobs.Count,
                TotalBytes = blobs.Sum(b => b.Size),
                FreeBytes = store.FreeBytes(),
                MaxArtifactBytes = store.MaxArtifactBytes,
            },
            UnfinishedOperations = registry.Query(r => !r.IsTerminal).Count,
        };
        response.Components.AddRange(states.Select(ProtoMapping.ToProto));
        response.Warnings.AddRange(journal.Warnings);
        return response;
    }

    public override async Task<V1.StageArtifactResponse> StageArtifact(IAsyncStreamReader<V1.StageArtifactRequest> requestStream, ServerCallContext context)
    {
        if (!await idleLimit.MoveNextAsync(requestStream, context.CancellationToken) || requestStream.Current.PayloadCase != V1.StageArtifactRequest.PayloadOneofCase.Header)
        {
            throw AgentException.Invalid("header", "the first message of the stream must be the header (name, sha256, size)");
        }

        var header = new StageHeader(requestStream.Current.Header.Name, requestStream.Current.Header.Sha256, requestStream.Current.Header.Size);
        store.CheckHeader(header);
        var (reservation, refusal) = stagingBudget.Reserve(header.Size);
        using var held = reservation ?? throw new AgentException(AgentErrorKind.ResourceExhausted, refusal!);
        if (!store.Contains(header.Digest))
        {
            // Conservative: counts every upload in progress at its full declared size, so that together they
            // cannot take the file system below Store:MinFreeBytes.
            store.EnsureSpaceFor(stagingBudget.InFlight, "stage the artifact alongside the uploads in progress");
        }

        var result = await store.StageAsync(header, Chunks(requestStream, context.CancellationToken), context.CancellationToken);
        metrics.StagedBytes.Inc(result.BytesWritten);
        return new V1.StageArtifactResponse
        {
            Sha256 = result.Digest,
            Size = result.Size,
            AlreadyPresent = result.AlreadyPresent,
            BytesReceived = result.BytesReceived,
            BytesWritten = result.BytesWritten,
        };
    }

    public override Task ReadArtifact(V1.ReadArtifactRequest request, IServerStreamWriter<V1.ReadArtifactResponse> responseStream, ServerCallContext context) =>
        blobServer.ServeAsync(request, responseStream, context.CancellationToken);

    public override async Task<V1.ListArtifactsResponse> ListArtifacts(V1.ListArtifactsRequest request, ServerCallContext context)
    {
        var retained = await collector.RetainedAsync(context.CancellationToken);
        foreach (var digest in request.Sha256)
        {
            CheckDigest(digest);
        }

        var response = new V1.ListArtifactsResponse { FreeBytes = store.FreeBytes() };
        foreach (var blob in store.List().Where(b => request.Sha256.Count == 0 || request.Sha256.Contains(b.Digest)))
        {
            var integrity = V1.ArtifactIntegrity.Unspecified;
            if (request.Verify)
            {
                integrity = await store.ComputeDigestAsync(blob.Digest, context.CancellationToken) == blob.Digest ? V1.ArtifactIntegrity.Ok : V1.ArtifactIntegrity.Corrupt;
            }

            response.Artifacts.Add(ProtoMapping.ToProto(blob, retained.GetValueOrDefault(blob.Digest), integrity));
            response.TotalBytes += blob.Size;
        }

        return response;
    }

    public override async Task<V1.VerifyArtifactResponse> VerifyArtifact(V1.VerifyArtifactRequest request, ServerCallContext context)
    {
        CheckDigest(request.Sha256);
        var computed = await store.ComputeDigestAsync(request.Sha256, context.CancellationToken);
        var blob = store.Find(request.Sha256) ?? throw new AgentException(AgentErrorKind.NotFound, $"blob {request.Sha256} was removed while it was being verified");
        var integrity = computed == request.Sha256 ? V1.ArtifactIntegrity.Ok : V1.ArtifactIntegrity.Corrupt;
        return new V1.VerifyArtifactResponse { Artifact = ProtoMapping.ToProto(blob, null, integrity), ComputedSha256 = computed };
    }

    public override async Task<V1.CollectGarbageResponse> CollectGarbage(V1.CollectGarbageRequest request, ServerCallContext context)
    {
        var result = await collector.CollectAsync(request.DryRun, context.CancellationToken);
        var response = new V1.CollectGarbageResponse { FreedBytes = result.FreedBytes, Kept = result.Kept, DryRun = result.DryRun };
        response.Removed.AddRange(result.Removed);
        return response;
    }

    public override async Task<V1.ApplyResponse> Apply(V1.ApplyRequest request, ServerCallContext context)
    {
        releaseKey.Check(request);
        var command = new ApplyCommand(
            request.OperationId,
            request.Component,
            request.Files.Select(f => new TargetFile(f.Role, f.Sha256)).ToList(),
            request.TargetVersion,
            request.Marker?.Write ?? false,
            request.Marker?.OldVersion,
            ProtoMapping.ToTimeSpan(request.HealthTimeout, "health_timeout"),
            ProtoMapping.ToTimeSpan(request.ConnectionSoak, "connection_soak"),
            ProtoMapping.Fingerprint(request),
            request.AllowDowngrade);
        return new V1.ApplyResponse { Operation = Accepted(await operations.ApplyAsync(command, Map, context.CancellationToken)) };
    }

    public override async Task<V1.RollbackResponse> Rollback(V1.RollbackRequest request, ServerCallContext context)
    {
        var command = new RollbackCommand(request.OperationId, request.Component, request.TargetOperationId, ProtoMapping.ToTimeSpan(request.HealthTimeout, "health_timeout"), ProtoMapping.Fingerprint(request));
        return new V1.RollbackResponse { Operation = Accepted(await operations.RollbackAsync(command, Map, context.CancellationToken)) };
    }

    public override async Task<V1.RestartComponentResponse> RestartComponent(V1.RestartComponentRequest request, ServerCallContext context) =>
        new V1.RestartComponentResponse { Operation = await ActionAsync(OpKind.Restart, request, request.OperationId, request.Component, request.HealthTimeout) };

    public override async Task<V1.StopComponentResponse> StopComponent(V1.StopComponentRequest request, ServerCallContext context) =>
        new V1.StopComponentResponse { Operation = await ActionAsync(OpKind.Stop, request, request.OperationId, request.Component, null) };

    public override async Task<V1.StartComponentResponse> StartComponent(V1.StartComponentRequest request, ServerCallContext context) =>
        new V1.StartComponentResponse { Operation = await ActionAsync(OpKind.Start, request, request.OperationId, request.Component, request.HealthTimeout) };

    public override async Task<V1.BackupResponse> Backup(V1.BackupRequest request, ServerCallContext context) =>
        new V1.BackupResponse { Operation = await ActionAsync(OpKind.Backup, request, request.OperationId, request.Component, null) };

    public override Task<V1.GetOperationResponse> GetOperation(V1.GetOperationRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.GetOperationResponse { Operation = Find(request.OperationId) });

    public override async Task WatchOperation(V1.WatchOperationRequest request, IServerStreamWriter<V1.OperationEvent> responseStream, ServerCallContext context)
    {
        var sent = request.FromSequence;
        while (true)
        {
            var changed = registry.NextChange();
            var op = Find(request.OperationId);
            foreach (var e in op.Events.Where(e => e.Sequence > sent))
            {
                await responseStream.WriteAsync(e, context.CancellationToken);
                sent = e.Sequence;
            }

            if (op.State != V1.OperationState.Running)
            {
                return;
            }

            await changed.WaitAsync(context.CancellationToken);
        }
    }

    public override Task<V1.ListOperationsResponse> ListOperations(V1.ListOperationsRequest request, ServerCallContext context)
    {
        if (request.Limit < 0)
        {
            throw AgentException.Invalid("limit", $"must not be negative, not {request.Limit}");
        }

        var list = registry.Query(r => (request.Component.Length == 0 || r.Component == request.Component) && (!request.UnfinishedOnly || !r.IsTerminal));
        var response = new V1.ListOperationsResponse();
        response.Operations.AddRange(list.Take(request.Limit == 0 ? 100 : request.Limit).Select(r => ProtoMapping.ToProto(r, withEvents: false)));
        return Task.FromResult(response);
    }

    public override Task<V1.GetMarkerResponse> GetMarker(V1.GetMarkerRequest request, ServerCallContext context)
    {
        var (spec, content) = markers.Read(request.Component);
        var response = new V1.GetMarkerResponse { Path = spec.Path, Format = spec.Format, Present = content is not null };
        if (content is not null)
        {
            response.Marker = ProtoMapping.ToProto(content);
        }

        return Task.FromResult(response);
    }

    public override async Task<V1.WriteMarkerResponse> WriteMarker(V1.WriteMarkerRequest request, ServerCallContext context)
    {
        var command = new WriteMarkerCommand(request.OperationId, request.Component, request.OldVersion, request.TargetVersion, ProtoMapping.Fingerprint(request));
        return new V1.WriteMarkerResponse { Operation = Accepted(await operations.WriteMarkerAsync(command, Map)) };
    }

    public override async Task<V1.ClearMarkerResponse> ClearMarker(V1.ClearMarkerRequest request, ServerCallContext context) =>
        new V1.ClearMarkerResponse { Operation = await ActionAsync(OpKind.ClearMarker, request, request.OperationId, request.Component, null) };

    public override Task<V1.ListAuditEntriesResponse> ListAuditEntries(V1.ListAuditEntriesRequest request, ServerCallContext context)
    {
        if (request.Limit is < 0 or > AuditLog.MaxListed)
        {
            throw AgentException.Invalid("limit", $"must be between 0 and {AuditLog.MaxListed}, not {request.Limit}");
        }

        var response = new V1.ListAuditEntriesResponse();
        response.Entries.AddRange(audit.List(request));
        return Task.FromResult(response);
    }

    private async Task<V1.Operation> ActionAsync(OpKind kind, IMessage request, string operationId, string component, Duration? timeout) =>
        Accepted(await operations.RunActionAsync(new ComponentCommand(kind, operationId, component, ProtoMapping.ToTimeSpan(timeout, "health_timeout"), ProtoMapping.Fingerprint(request)), Map));

    private static V1.Operation Map(OperationRecord record) => ProtoMapping.ToProto(record);

    private static V1.Operation Accepted((V1.Operation Operation, bool Existing) result)
    {
        result.Operation.Existing = result.Existing;
        return result.Operation;
    }

    private V1.Operation Find(string id)
    {
        if (InputRules.CheckOperationId(id) is { } problem)
        {
            throw AgentException.Invalid("operation_id", problem);
        }

        return registry.Get(id) is { } record ? Map(record) : throw new AgentException(AgentErrorKind.NotFound, $"no operation {id} on this agent");
    }

    private static void CheckDigest(string digest)
    {
        if (InputRules.CheckDigest(digest) is { } problem)
        {
            throw AgentException.Invalid("sha256", problem);
        }
    }

    private async IAsyncEnumerable<ReadOnlyMemory<byte>> Chunks(IAsyncStreamReader<V1.StageArtifactRequest> stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await idleLimit.MoveNextAsync(stream, cancellationToken))
        {
            if (stream.Current.PayloadCase != V1.StageArtifactRequest.PayloadOneofCase.Chunk)
            {
                throw AgentException.Invalid("header", "only the first message may be a header; the rest must be chunks");
            }

            if (stream.Current.Chunk.Length > ChunkSize)
            {
                throw AgentException.Invalid("chunk", $"a chunk of {stream.Current.Chunk.Length} bytes is over the {ChunkSize}-byte limit");
            }

            yield return stream.Current.Chunk.Memory;
        }
    }
}
