using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using NodeAgent.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl audit [--caller TEXT] [--op ID] [--since DURATION] [--limit N]</c></summary>
internal static class AuditCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var caller = new Option<string?>("--caller") { Description = "Only callers whose identity contains this text (a certificate subject, uid=0)" };
        var operation = new Option<string?>("--op") { Description = "Only entries of this operation id" };
        var since = DurationOption.Create("--since", "Only entries newer than this");
        var limit = new Option<int>("--limit") { Description = "At most this many (default 100)" };
        var command = new Command("audit", CommandFactory.Describe("The agent's audit trail: every mutating call and every refused call, newest first", "agentctl audit --since 1h --caller CN=alice")) { caller, operation, since, limit };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var request = new ListAuditEntriesRequest
            {
                Caller = context.Parse.GetValue(caller) ?? "",
                OperationId = context.Parse.GetValue(operation) ?? "",
                Limit = context.Parse.GetValue(limit),
            };
            if (context.Parse.GetValue(since) is { } window)
            {
                request.Since = Timestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow() - window);
            }

            var response = await context.Client.ListAuditEntriesAsync(request, cancellationToken: cancellationToken);
            if (context.Machine)
            {
                context.WriteResult(response);
                return ExitCodes.Ok;
            }

            foreach (var entry in response.Entries)
            {
                var target = string.Join(" ", new[] { entry.Component, entry.OperationId }.Where(s => s.Length > 0));
                var detail = entry.Message.Length > 0 ? $": {entry.Message}" : "";
                context.Out.WriteLine($"{entry.Time.ToDateTimeOffset():u}  {entry.Caller} [{(entry.Role.Length > 0 ? entry.Role : "-")}/{entry.Transport}]  {entry.Method} {target}  {entry.Outcome}{detail}");
            }

            return ExitCodes.Ok;
        });
    }
}
