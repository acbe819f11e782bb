using System.CommandLine;
using NodeAgent.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl claim show</c> and <c>agentctl claim release [--rollout ID]</c> (admin): which rollout owns this node.</summary>
internal static class ClaimCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var show = new Command("show", CommandFactory.Describe("Show which rollout owns this node (its claim: rollout, journal, holder, fencing number, expiry)", "agentctl claim show -o json"))
            .WithAction(connection, async (context, cancellationToken) =>
            {
                var claim = (await context.Claims.GetClaimAsync(new GetClaimRequest(), cancellationToken: cancellationToken)).Claim;
                Print(context, claim, "no rollout claims this node");
                return ExitCodes.Ok;
            });
        var rollout = new Option<string?>("--rollout") { Description = "Only release the claim if this rollout holds it" };
        var release = new Command("release", CommandFactory.Describe("Remove the node's claim whoever holds it (admin): for a rollout whose coordinator is gone for good", "agentctl claim release --rollout upgrade-v1.17")) { rollout };
        release.WithAction(connection, async (context, cancellationToken) =>
        {
            var broken = (await context.Claims.BreakClaimAsync(new BreakClaimRequest { RolloutId = context.Parse.GetValue(rollout) ?? "" }, cancellationToken: cancellationToken)).Claim;
            Print(context, broken, "nothing released: the node has no claim" + (context.Parse.GetValue(rollout) is { Length: > 0 } id ? $" of rollout {id}" : ""));
            return broken is null ? ExitCodes.NotFound : ExitCodes.Ok;
        });
        return new Command("claim", "The node claim: a node belongs to at most one rollout at a time") { show, release };
    }

    private static void Print(CliContext context, NodeClaim? claim, string none)
    {
        if (context.Machine)
        {
            if (claim is null)
            {
                ResultWriter.Write(context.Out, context.Format, (System.Text.Json.Nodes.JsonNode?)null);
            }
            else
            {
                context.WriteResult(claim);
            }

            return;
        }

        context.Out.WriteLine(claim is null
            ? none
            : $"rollout {claim.RolloutId}  journal {claim.JournalId}  holder {claim.Holder}  fencing {claim.Fencing}  {(claim.Expired ? "EXPIRED at" : "until")} {claim.ExpiresAt.ToDateTimeOffset():u}  (since {claim.AcquiredAt.ToDateTimeOffset():u})");
    }
}
