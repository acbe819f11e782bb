using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Security;

/// <summary>
/// A table of malformed and hostile requests against one real agent. Each must be refused with the expected status
/// and a bounded, printable message that names the problem; together they must write nothing (the audit trail
/// aside) and create nothing outside the state directory.
/// </summary>
[Trait("Category", "Security")]
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static readonly string Token = Guid.NewGuid().ToString("N")[..12];

    /// <summary>One hostile request: what it is, how to send it, the status it must get, and a phrase its message must hold.</summary>
    internal sealed record HostileCase(string Name, Func<NodeAgentService.NodeAgentServiceClient, Task> Send, StatusCode Expected, string Phrase);

    [Fact]
    public async Task EveryHostileRequest_IsRefusedCleanly_AndNothingIsWritten()
    {
        await using var node = await TestNode.StartAsync();
        var staged = await node.StageAsync("kubelet-v1.17.0");
        var baseline = await node.CtlAsync("backup", "kubelet", "--id", "base-op");
        Assert.True(baseline.ExitCode == 0, baseline.Err);
        var before = DiskSnapshot.Take(node);
        var cases = Cases(staged);

        var problems = new List<string>();
        foreach (var hostile in cases)
        {
            var (status, message) = await SendAsync(() => hostile.Send(node.Client));
            problems.AddRange(RefusalProblems(hostile.Name, status, message, hostile.Expected, hostile.Phrase));
        }

        problems.AddRange(before.Diff(DiskSnapshot.Take(node)).Select(path => $"written: {path}"));
        problems.AddRange(Directory.EnumerateFileSystemEntries("/tmp", $"*{Token}*", SearchOption.TopDirectoryOnly).Select(path => $"created outside the state dir: {path}"));
        Assert.Equal("test-node", (await node.Client.GetInfoAsync(new GetInfoRequest())).NodeName);
        output.WriteLine($"hostile request table: {cases.Count} tried, {cases.Count - problems.Count(p => !p.StartsWith("written", StringComparison.Ordinal))} refused cleanly");
        Assert.True(cases.Count >= 50, $"only {cases.Count} cases");
        Assert.Empty(problems);
    }

    /// <summary>What is wrong with a refusal, if anything: status, empty or internal message, unprintable or unbounded text.</summary>
    internal static IEnumerable<string> RefusalProblems(string name, StatusCode status, string message, StatusCode? expected, string phrase)
    {
        if (expected is { } code ? status != code : status is StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            yield return $"{name}: got {status} ({message}), expected {expected?.ToString() ?? "success or a clean refusal"}";
        }

        if (status != StatusCode.OK && (message.Length is 0 or > 1000 || message.Contains("internal error", StringComparison.Ordinal) || message.Any(char.IsControl)))
        {
            yield return $"{name}: unclear message \"{message}\"";
        }

        if (phrase.Length > 0 && !message.Contains(phrase, StringComparison.Ordinal))
        {
            yield return $"{name}: message \"{message}\" does not say \"{phrase}\"";
        }
    }

    internal static async Task<(StatusCode Status, string Message)> SendAsync(Func<Task> send)
    {
        try
        {
            await send();
            return (StatusCode.OK, "");
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
    }

    private static List<HostileCase> Cases(string staged)
    {
        var traversal = $"../../../../tmp/evil-{Token}";
        var cases = new List<HostileCase>();
        void Add(string name, Func<NodeAgentService.NodeAgentServiceClient, Task> send, StatusCode expected, string phrase = "") => cases.Add(new HostileCase(name, send, expected, phrase));

        // Staging: the header, the stream's shape, and its content.
        void Stage(string name, ArtifactHeader header, StatusCode expected, string phrase, params StageArtifactRequest[] more) =>
            Add(name, c => StageAsync(c, [new StageArtifactRequest { Header = header }, .. more]), expected, phrase);
        var digest = new string('a', 64);
        Stage("stage: name traversal", new() { Name = traversal, Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "artifact name");
        Stage("stage: name with slash", new() { Name = "kubelet/evil", Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "may only contain");
        Stage("stage: name with NUL", new() { Name = "kube\0let", Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "\\u0000");
        Stage("stage: name with newline", new() { Name = "kubelet\nEVIL=1", Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "\\u000a");
        Stage("stage: name too long", new() { Name = new string('k', 129), Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "at most 128");
        Stage("stage: name empty", new() { Name = "", Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "is required");
        Stage("stage: name dot-dot", new() { Name = "..", Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "\"..\"");
        Stage("stage: name absolute", new() { Name = "/etc/passwd", Sha256 = digest, Size = 1 }, StatusCode.InvalidArgument, "may only contain");
        Stage("stage: digest uppercase", new() { Name = "a", Sha256 = digest.ToUpperInvariant(), Size = 1 }, StatusCode.InvalidArgument, "64 lowercase hex");
        Stage("stage: digest 63 chars", new() { Name = "a", Sha256 = digest[..63], Size = 1 }, StatusCode.InvalidArgument, "64 lowercase hex");
        Stage("stage: digest 65 chars", new() { Name = "a", Sha256 = digest + "a", Size = 1 }, StatusCode.InvalidArgument, "64 lowercase hex");
        Stage("stage: digest not hex", new() { Name = "a", Sha256 = new string('g', 64), Size = 1 }, StatusCode.InvalidArgument, "64 lowercase hex");
        Stage("stage: digest traversal", new() { Name = "a", Sha256 = traversal, Size = 1 }, StatusCode.InvalidArgument, "64 lowercase hex");
        Stage("stage: size zero", new() { Name = "a", Sha256 = digest, Size = 0 }, StatusCode.InvalidArgument, "must be positive");
        Stage("stage: size negative", new() { Name = "a", Sha256 = digest, Size = -1 }, StatusCode.InvalidArgument, "must be positive");
        Stage("stage: size huge", new() { Name = "a", Sha256 = digest, Size = long.MaxValue }, StatusCode.ResourceExhausted, "Store:MaxArtifactBytes");
        Stage("stage: header twice", new() { Name = "a", Sha256 = digest, Size = 2 }, StatusCode.InvalidArgument, "only the first message", new StageArtifactRequest { Header = new() { Name = "b", Sha256 = digest, Size = 1 } });
        Stage("stage: more bytes than declared", new() { Name = "a", Sha256 = digest, Size = 2 }, StatusCode.InvalidArgument, "more than the 2 bytes", Chunk(3));
        Stage("stage: truncated stream", new() { Name = "a", Sha256 = digest, Size = 10 }, StatusCode.InvalidArgument, "ended after 3", Chunk(3));
        Stage("stage: content does not match digest", new() { Name = "a", Sha256 = digest, Size = 3 }, StatusCode.InvalidArgument, "nothing was stored", Chunk(3));
        Stage("stage: chunk over the chunk limit", new() { Name = "a", Sha256 = digest, Size = 4 * 1024 * 1024 }, StatusCode.InvalidArgument, "limit", Chunk((1024 * 1024) + 1));
        Stage("stage: message over the message limit", new() { Name = "a", Sha256 = digest, Size = 4 * 1024 * 1024 }, StatusCode.ResourceExhausted, "", Chunk(3 * 1024 * 1024));
        Add("stage: chunk before header", c => StageAsync(c, [Chunk(3)]), StatusCode.InvalidArgument, "must be the header");
        Add("stage: empty stream", c => StageAsync(c, []), StatusCode.InvalidArgument, "must be the header");

        // Apply: component, operation id, files, version, timeouts, marker.
        void Apply(string name, Action<ApplyRequest> spoil, StatusCode expected, string phrase)
        {
            var request = new ApplyRequest { OperationId = $"hostile-{cases.Count}", Component = "kubelet", TargetVersion = "v1.17.0", Files = { new TargetFile { Role = "binary", Sha256 = staged } } };
            spoil(request);
            Add(name, c => c.ApplyAsync(request).ResponseAsync, expected, phrase);
        }

        Apply("apply: unknown component", r => r.Component = "etcd", StatusCode.NotFound, "not in this agent's catalog");
        Apply("apply: component traversal", r => r.Component = "../kubelet", StatusCode.InvalidArgument, "component");
        Apply("apply: component uppercase", r => r.Component = "Kubelet", StatusCode.InvalidArgument, "lowercase");
        Apply("apply: component empty", r => r.Component = "", StatusCode.InvalidArgument, "is required");
        Apply("apply: component with a trailing newline", r => r.Component = "kubelet\n", StatusCode.InvalidArgument, "\\u000a");
        Apply("apply: operation id with a trailing newline", r => r.OperationId = "op-1\n", StatusCode.InvalidArgument, "\\u000a");
        Apply("apply: digest with a trailing newline", r => r.Files[0].Sha256 = staged + "\n", StatusCode.InvalidArgument, "64 lowercase hex");
        Apply("apply: version with a trailing newline", r => r.TargetVersion = "v1.17.0\n", StatusCode.InvalidArgument, "must be a version");
        Apply("apply: operation id empty", r => r.OperationId = "", StatusCode.InvalidArgument, "operation id is required");
        Apply("apply: operation id with slash", r => r.OperationId = "a/b", StatusCode.InvalidArgument, "operation id");
        Apply("apply: operation id traversal", r => r.OperationId = traversal, StatusCode.InvalidArgument, "operation id");
        Apply("apply: operation id too long", r => r.OperationId = new string('o', 300), StatusCode.InvalidArgument, "at most 128");
        Apply("apply: operation id with newline", r => r.OperationId = "op\n1", StatusCode.InvalidArgument, "operation id");
        Apply("apply: no files", r => r.Files.Clear(), StatusCode.InvalidArgument, "at least one target file");
        Apply("apply: unknown file role", r => r.Files[0].Role = "evil", StatusCode.InvalidArgument, "has no file with role");
        Apply("apply: file role traversal", r => r.Files[0].Role = "../binary", StatusCode.InvalidArgument, "has no file with role");
        Apply("apply: file role twice", r => r.Files.Add(new TargetFile { Role = "binary", Sha256 = staged }), StatusCode.InvalidArgument, "named twice");
        Apply("apply: file digest malformed", r => r.Files[0].Sha256 = "deadbeef", StatusCode.InvalidArgument, "64 lowercase hex");
        Apply("apply: file digest not staged", r => r.Files[0].Sha256 = new string('b', 64), StatusCode.NotFound, "stage it first");
        Apply("apply: version word", r => r.TargetVersion = "latest", StatusCode.InvalidArgument, "must be a version");
        Apply("apply: version empty", r => r.TargetVersion = "", StatusCode.InvalidArgument, "must be a version");
        Apply("apply: version oversized", r => r.TargetVersion = "v1.17.0-" + new string('x', 100), StatusCode.InvalidArgument, "must be a version");
        Apply("apply: version with newline", r => r.TargetVersion = "v1.17.0\nEVIL=1", StatusCode.InvalidArgument, "must be a version");
        Apply("apply: health timeout negative", r => r.HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(-5)), StatusCode.InvalidArgument, "health_timeout");
        Apply("apply: health timeout ten hours", r => r.HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromHours(10)), StatusCode.InvalidArgument, "health_timeout");
        Apply("apply: marker old version injected", r => r.Marker = new MarkerOptions { Write = true, OldVersion = "v1.10.11\nKUBELET_SKIP=all" }, StatusCode.InvalidArgument, "marker.old_version");
        Apply("apply: marker on a component without one", r => { r.Component = "kube-proxy"; r.Marker = new MarkerOptions { Write = true }; }, StatusCode.FailedPrecondition, "no marker configured");
        Apply("apply: reused operation id, other payload", r => r.OperationId = "base-op", StatusCode.AlreadyExists, "base-op");

        // Rollback and the component actions.
        Add("rollback: unknown target operation", c => c.RollbackAsync(new RollbackRequest { OperationId = "rb-1", Component = "kubelet", TargetOperationId = "never-ran" }).ResponseAsync, StatusCode.FailedPrecondition, "never-ran");
        Add("rollback: target id traversal", c => c.RollbackAsync(new RollbackRequest { OperationId = "rb-2", Component = "kubelet", TargetOperationId = traversal }).ResponseAsync, StatusCode.InvalidArgument, "target_operation_id");
        Add("rollback: component with space", c => c.RollbackAsync(new RollbackRequest { OperationId = "rb-3", Component = "kube let" }).ResponseAsync, StatusCode.InvalidArgument, "component");
        Add("restart: unknown component", c => c.RestartComponentAsync(new RestartComponentRequest { OperationId = "rs-1", Component = "sshd" }).ResponseAsync, StatusCode.NotFound, "not in this agent's catalog");
        Add("stop: component traversal", c => c.StopComponentAsync(new StopComponentRequest { OperationId = "st-1", Component = "../../sbin/init" }).ResponseAsync, StatusCode.InvalidArgument, "component");
        Add("start: operation id empty", c => c.StartComponentAsync(new StartComponentRequest { OperationId = "", Component = "kubelet" }).ResponseAsync, StatusCode.InvalidArgument, "operation id is required");
        Add("backup: reused operation id, other component", c => c.BackupAsync(new BackupRequest { OperationId = "base-op", Component = "kube-proxy" }).ResponseAsync, StatusCode.AlreadyExists, "base-op");
        Add("restart: reused operation id, other kind", c => c.RestartComponentAsync(new RestartComponentRequest { OperationId = "base-op", Component = "kubelet" }).ResponseAsync, StatusCode.AlreadyExists, "base-op");

        // Reads that take a digest, an offset or an id.
        Add("read: digest traversal", c => DrainAsync(c.ReadArtifact(new ReadArtifactRequest { Sha256 = traversal })), StatusCode.InvalidArgument, "64 lowercase hex");
        Add("read: unknown digest", c => DrainAsync(c.ReadArtifact(new ReadArtifactRequest { Sha256 = new string('c', 64) })), StatusCode.NotFound, "no blob");
        Add("read: negative offset", c => DrainAsync(c.ReadArtifact(new ReadArtifactRequest { Sha256 = staged, Offset = -1 })), StatusCode.InvalidArgument, "offset");
        Add("read: offset past the end", c => DrainAsync(c.ReadArtifact(new ReadArtifactRequest { Sha256 = staged, Offset = long.MaxValue })), StatusCode.InvalidArgument, "offset");
        Add("verify: digest malformed", c => c.VerifyArtifactAsync(new VerifyArtifactRequest { Sha256 = "../" }).ResponseAsync, StatusCode.InvalidArgument, "64 lowercase hex");
        Add("verify: unknown digest", c => c.VerifyArtifactAsync(new VerifyArtifactRequest { Sha256 = new string('d', 64) }).ResponseAsync, StatusCode.NotFound, "");
        Add("list: filter digest malformed", c => c.ListArtifactsAsync(new ListArtifactsRequest { Sha256 = { "zz" } }).ResponseAsync, StatusCode.InvalidArgument, "64 lowercase hex");
        Add("get operation: id traversal", c => c.GetOperationAsync(new GetOperationRequest { OperationId = "../../etc/passwd" }).ResponseAsync, StatusCode.InvalidArgument, "operation id");
        Add("get operation: unknown id", c => c.GetOperationAsync(new GetOperationRequest { OperationId = "nobody-ran-this" }).ResponseAsync, StatusCode.NotFound, "no operation");
        Add("watch operation: id with NUL", c => DrainAsync(c.WatchOperation(new WatchOperationRequest { OperationId = "op\0" })), StatusCode.InvalidArgument, "\\u0000");
        Add("list operations: negative limit", c => c.ListOperationsAsync(new ListOperationsRequest { Limit = -1 }).ResponseAsync, StatusCode.InvalidArgument, "limit");
        Add("audit: negative limit", c => c.ListAuditEntriesAsync(new ListAuditEntriesRequest { Limit = -1 }).ResponseAsync, StatusCode.InvalidArgument, "limit");
        Add("audit: huge limit", c => c.ListAuditEntriesAsync(new ListAuditEntriesRequest { Limit = int.MaxValue }).ResponseAsync, StatusCode.InvalidArgument, "limit");

        // Markers.
        Add("get marker: component without one", c => c.GetMarkerAsync(new GetMarkerRequest { Component = "kube-proxy" }).ResponseAsync, StatusCode.FailedPrecondition, "no marker configured");
        Add("get marker: component traversal", c => c.GetMarkerAsync(new GetMarkerRequest { Component = "../kubelet" }).ResponseAsync, StatusCode.InvalidArgument, "component");
        Add("write marker: old version injected", c => c.WriteMarkerAsync(new WriteMarkerRequest { OperationId = "wm-1", Component = "kubelet", OldVersion = "v1\n", TargetVersion = "v1.17.0" }).ResponseAsync, StatusCode.InvalidArgument, "old_version");
        Add("write marker: target version word", c => c.WriteMarkerAsync(new WriteMarkerRequest { OperationId = "wm-2", Component = "kubelet", OldVersion = "v1.10.11", TargetVersion = "newest" }).ResponseAsync, StatusCode.InvalidArgument, "target_version");
        Add("clear marker: unknown component", c => c.ClearMarkerAsync(new ClearMarkerRequest { OperationId = "cm-1", Component = "etcd" }).ResponseAsync, StatusCode.NotFound, "not in this agent's catalog");
        return cases;
    }

    private static StageArtifactRequest Chunk(int size) => new() { Chunk = ByteString.CopyFrom(new byte[size]) };

    private static async Task StageAsync(NodeAgentService.NodeAgentServiceClient client, IReadOnlyList<StageArtifactRequest> messages)
    {
        using var call = client.StageArtifact();
        try
        {
            foreach (var message in messages)
            {
                await call.RequestStream.WriteAsync(message);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The agent may refuse before the client has sent everything; its status is in the response below.
        }
        catch (InvalidOperationException)
        {
            // Writing after the call ended; the response below carries the refusal.
        }

        await call.ResponseAsync;
    }

    internal static async Task DrainAsync<T>(AsyncServerStreamingCall<T> call)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }
    }
}
