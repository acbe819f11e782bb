namespace NodeAgent.Coordinator.Distribution;

/// <summary>One node's fetch of one artifact: whether it holds it now, bytes it received, and its sources in order.</summary>
internal sealed record NodePull(string Node, bool Ok, long Bytes, string Detail);
