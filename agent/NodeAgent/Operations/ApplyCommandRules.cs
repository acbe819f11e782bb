using NodeAgent.Configuration;
using NodeAgent.Validation;

namespace NodeAgent.Operations;

/// <summary>The edge checks of an apply command: roles known and named once, digests and versions well formed.</summary>
internal static class ApplyCommandRules
{
    public static void Check(ApplyCommand command, CatalogComponent component, TimeSpan maxConnectionSoak)
    {
        if (command.Files.Count == 0)
        {
            throw AgentException.Invalid("files", "name at least one target file (role and sha256)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < command.Files.Count; i++)
        {
            var file = command.Files[i];
            if (component.FindFile(file.Role) is null)
            {
                throw AgentException.Invalid($"files[{i}].role", $"{component.Name} has no file with role \"{InputRules.Shorten(file.Role)}\"; its roles are {string.Join(", ", component.Files.Select(f => f.Role))}");
            }

            if (!seen.Add(file.Role))
            {
                throw AgentException.Invalid($"files[{i}].role", $"role \"{file.Role}\" is named twice");
            }

            if (InputRules.CheckDigest(file.Digest) is { } problem)
            {
                throw AgentException.Invalid($"files[{i}].sha256", problem);
            }
        }

        if (InputRules.CheckVersion(command.TargetVersion) is { } versionProblem)
        {
            throw AgentException.Invalid("target_version", versionProblem);
        }

        if (command.MarkerOldVersion is { Length: > 0 } && InputRules.CheckVersion(command.MarkerOldVersion) is { } oldProblem)
        {
            throw AgentException.Invalid("marker.old_version", oldProblem);
        }

        if (command.ConnectionSoak is { } soak && (soak < TimeSpan.Zero || soak > maxConnectionSoak))
        {
            throw AgentException.Invalid("connection_soak", $"must be between 0 and {maxConnectionSoak.TotalMinutes} minutes, not {soak}");
        }
    }
}
