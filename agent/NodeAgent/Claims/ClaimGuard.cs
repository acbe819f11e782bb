using Grpc.Core;
using Grpc.Core.Interceptors;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Claims;

/// <summary>
/// Refuses a mutating call that carries a claim (see claims.proto) when its rollout does not own this node or its
/// fencing number is stale. Runs inside the error interceptor, so a refusal becomes FAILED_PRECONDITION. Calls without
/// a claim (an operator's agentctl) pass: the claim keeps rollouts apart, roles keep people out.
/// </summary>
internal sealed class ClaimGuard(ClaimStore claims) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (request is IClaimedRequest { Claim: { } claim })
        {
            claims.Check(claim.RolloutId, claim.JournalId, claim.Fencing);
        }

        return continuation(request, context);
    }
}
