using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl ops</c> and <c>agentctl op ID [--watch]</c></summary>
internal static class OpsCommand
{
    public static Command List(ConnectionOptions connection)
    {
        var component = new Option<string?>("--component") { Description = "Only this component's operations" };
        var limit = new Option<int>("--limit") { Description = "At most this many (default 100)" };
        var unfinished = new Option<bool>("--unfinished") { Description = "Only operations still running" };
        var command = new Command("ops", CommandFactory.Describe("List operations, newest first", "agentctl ops --unfinished")) { component, limit, unfinished };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var response = await context.Client.ListOperationsAsync(
                new ListOperationsRequest { Component = context.Parse.GetValue(component) ?? "", Limit = context.Parse.GetValue(limit), UnfinishedOnly = context.Parse.GetValue(unfinished) },
                cancellationToken: cancellationToken);
            if (context.Machine)
            {
                context.WriteResult(response);
                return ExitCodes.Ok;
            }

            foreach (var op in response.Operations)
            {
                context.Out.WriteLine($"{op.CreatedAt.ToDateTimeOffset():u}  {op.OperationId,-40} {OperationPrinter.Kind(op.Kind),-12} {op.Component,-24} {OperationPrinter.State(op.State),-15} {op.Message}");
            }

            return ExitCodes.Ok;
        });
    }

    public static Command Show(ConnectionOptions connection)
    {
        var id = new Argument<string>("id") { Description = "Operation id" };
        var watch = new Option<bool>("--watch") { Description = "Stream its events until it ends" };
        var command = new Command("op", CommandFactory.Describe("Show one operation with its events", "agentctl op agentctl-apply-kubelet-20261202T103000-1a2b3c --watch")) { id, watch };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var operationId = context.Parse.GetValue(id)!;
            var op = (await context.Client.GetOperationAsync(new GetOperationRequest { OperationId = operationId }, cancellationToken: cancellationToken)).Operation;
            var code = await OperationFollower.FollowAsync(context, op, context.Parse.GetValue(watch), cancellationToken);
            return op.State == OperationState.Running && !context.Parse.GetValue(watch) ? ExitCodes.Ok : code;
        });
    }
}
