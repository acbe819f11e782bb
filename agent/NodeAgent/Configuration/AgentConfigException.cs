namespace NodeAgent.Configuration;

/// <summary>The configuration cannot be used; the message names the file, every key and its problem.</summary>
internal sealed class AgentConfigException(string message) : Exception(message);
