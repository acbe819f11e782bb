namespace NodeAgent.Coordinator.Logging;

/// <summary>How <c>rollout</c> writes its progress on stderr: the timestamped lines (or the live view), or JSON lines.</summary>
internal enum LogFormat
{
    Text,
    Json,
}
