namespace NodeAgent.Checks;

/// <summary>The container runtime is not configured or did not answer; the message says which, for an operation's record.</summary>
internal sealed class ContainerRuntimeException(string message) : Exception(message);
