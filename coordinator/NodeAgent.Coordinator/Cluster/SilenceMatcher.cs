namespace NodeAgent.Coordinator.Cluster;

/// <summary>One matcher of an Alertmanager silence, as API v2 spells it (name = value, or =~, != and !~).</summary>
internal sealed record SilenceMatcher(string Name, string Value, bool IsRegex = false, bool IsEqual = true);
