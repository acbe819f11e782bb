namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>What the final verification found: every node's verdict, and whether it stops the rollout.</summary>
internal sealed record VerifyResult(IReadOnlyList<NodeVerification> Verification, PhaseOutcome? Stop);
