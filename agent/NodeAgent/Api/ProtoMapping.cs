using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NodeAgent.Checks;
using NodeAgent.Components;
using NodeAgent.Marker;
using NodeAgent.Operations;
using NodeAgent.Store;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Api;

/// <summary>Domain records to contract messages and back. No logic beyond the mapping.</summary>
internal static class ProtoMapping
{
    public static V1.Operation ToProto(OperationRecord r, bool withEvents = true)
    {
        var op = new V1.Operation
        {
            OperationId = r.Id,
            Kind = ToProto(r.Kind),
            Component = r.Component,
            State = ToProto(r.State),
            Step = StepName(r.Step),
            Message = r.Message,
            Changed = r.Changed,
            FromVersion = r.FromVersion ?? "",
            ToVersion = r.ToVersion ?? "",
            OldMainPid = r.OldMainPid,
            NewMainPid = r.NewMainPid,
            CreatedAt = Timestamp.FromDateTimeOffset(r.CreatedAt),
            RollsBackOperationId = r.RollsBack ?? "",
            Containers = ToProto(r.ContainerCheck),
            Connections = ToProto(r.Connections),
        };
        if (r.FinishedAt is { } finished)
        {
            op.FinishedAt = Timestamp.FromDateTimeOffset(finished);
        }

        op.Files.AddRange(r.Files.Select(f => new V1.FileChange
        {
            Role = f.Role,
            Path = f.Path,
            OldSha256 = f.OldDigest ?? "",
            NewSha256 = f.NewDigest ?? "",
            Mode = (uint)f.Mode,
        }));
        if (withEvents)
        {
            op.Events.AddRange(r.Events.Select(e => ToProto(r.Id, e)));
        }

        return op;
    }

    /// <summary>While an apply runs, the record holds at most the problem of the first snapshot; the comparison comes with its finish.</summary>
    private static V1.ContainerCheck? ToProto(ContainerCheckRecord? check)
    {
        if (check is null)
        {
            return null;
        }

        var proto = new V1.ContainerCheck { Measured = check.Measured, RunningBefore = check.RunningBefore, RunningAfter = check.RunningAfter, Problem = check.Problem };
        proto.Restarted.AddRange(check.Restarted.Select(c => new V1.RestartedContainer
        {
            PodNamespace = c.PodNamespace,
            PodName = c.PodName,
            ContainerName = c.ContainerName,
            OldId = c.OldId,
            NewId = c.NewId,
            OldAttempt = c.OldAttempt,
            NewAttempt = c.NewAttempt,
            Reason = c.Reason,
        }));
        return proto;
    }

    private static V1.ConnectionCount? ToProto(ConnectionCountRecord? count)
    {
        if (count is null)
        {
            return null;
        }

        var proto = new V1.ConnectionCount { Measured = count.Measured, Before = count.Before ?? 0, After = count.After, Problem = count.Problem };
        proto.Endpoints.AddRange(count.Endpoints);
        return proto;
    }

    public static V1.OperationEvent ToProto(string operationId, EventRecord e) => new()
    {
        OperationId = operationId,
        Sequence = e.Sequence,
        Time = Timestamp.FromDateTimeOffset(e.Time),
        State = ToProto(e.State),
        Step = StepName(e.Step),
        Message = e.Message,
    };

    /// <summary>Identifies a request without its operation id and claim, so that a reused id with another payload is caught.</summary>
    public static string Fingerprint(IMessage request)
    {
        var copy = request.Descriptor.Parser.ParseFrom(request.ToByteString());
        var field = copy.Descriptor.FindFieldByName("operation_id");
        field.Accessor.SetValue(copy, "");

        // The claim says who asks (a later run of the same rollout carries a higher fencing number), not what is asked.
        copy.Descriptor.FindFieldByName("claim")?.Accessor.Clear(copy);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(copy.ToByteArray()));
    }

    public static V1.ArtifactInfo ToProto(BlobInfo blob, IReadOnlyList<string>? retainedBy, V1.ArtifactIntegrity integrity)
    {
        var info = new V1.ArtifactInfo
        {
            Sha256 = blob.Digest,
            Size = blob.Size,
            StagedAt = Timestamp.FromDateTimeOffset(blob.StagedAt),
            Integrity = integrity,
        };
        info.Names.AddRange(blob.Names);
        info.RetainedBy.AddRange(retainedBy ?? []);
        return info;
    }

    public static V1.ComponentStatus ToProto(ComponentState state)
    {
        var status = new V1.ComponentStatus
        {
            Name = state.Component.Name,
            Unit = state.Component.Unit,
            Active = state.Probe?.Status?.Active ?? false,
            MainPid = state.Probe?.Status?.MainPid ?? 0,
            Healthy = state.Probe?.Healthy ?? false,
            HealthMessage = state.Probe is null ? "not probed yet" : state.Probe.Problem,
            Version = state.Probe?.Version ?? "",
            BusyOperationId = state.BusyOperationId ?? "",
            NeedsAttention = state.NeedsAttention ?? "",
            MarkerPresent = state.MarkerPresent,
        };
        status.Files.AddRange(state.Files.Select(f => new V1.ComponentFile
        {
            Role = f.Role,
            Path = f.Path,
            Sha256 = f.Digest ?? "",
            Present = f.Digest is not null,
            Mode = (uint)f.Mode,
        }));
        return status;
    }

    public static V1.Marker ToProto(MarkerContent marker) => new()
    {
        OldVersion = marker.OldVersion,
        UpgradeStartedAt = Timestamp.FromDateTimeOffset(marker.UpgradeStartedAt),
        TargetVersion = marker.TargetVersion,
        OperationId = marker.OperationId,
    };

    /// <summary>A request's duration field; a Duration that is not a valid span is the caller's mistake.</summary>
    public static TimeSpan? ToTimeSpan(Duration? duration, string field)
    {
        if (duration is null)
        {
            return null;
        }

        if (duration.Seconds is < 0 or > 86_400 || duration.Nanos is < 0 or > 999_999_999)
        {
            throw AgentException.Invalid(field, $"{duration.Seconds} s {duration.Nanos} ns is not a valid duration");
        }

        return duration.ToTimeSpan();
    }

    private static string StepName(OpStep step) => step switch
    {
        OpStep.BackedUp => "backed-up",
        OpStep.MarkerWritten => "marker-written",
        OpStep.RollingBack => "rolling-back",
        _ => step.ToString().ToLowerInvariant(),
    };

    private static V1.OperationKind ToProto(OpKind kind) => kind switch
    {
        OpKind.Apply => V1.OperationKind.Apply,
        OpKind.Rollback => V1.OperationKind.Rollback,
        OpKind.Restart => V1.OperationKind.Restart,
        OpKind.Stop => V1.OperationKind.Stop,
        OpKind.Start => V1.OperationKind.Start,
        OpKind.Backup => V1.OperationKind.Backup,
        OpKind.WriteMarker => V1.OperationKind.WriteMarker,
        OpKind.ClearMarker => V1.OperationKind.ClearMarker,
        _ => V1.OperationKind.Unspecified,
    };

    private static V1.OperationState ToProto(OpState state) => state switch
    {
        OpState.Running => V1.OperationState.Running,
        OpState.Succeeded => V1.OperationState.Succeeded,
        OpState.Failed => V1.OperationState.Failed,
        OpState.RolledBack => V1.OperationState.RolledBack,
        OpState.RollbackFailed => V1.OperationState.RollbackFailed,
        _ => V1.OperationState.Unspecified,
    };
}
