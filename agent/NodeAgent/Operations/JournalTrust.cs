using NodeAgent.Configuration;

namespace NodeAgent.Operations;

/// <summary>Compares a journal record with the catalog: the journal names roles, the catalog owns paths and modes.</summary>
internal static class JournalTrust
{
    /// <summary>The first way <paramref name="record"/> disagrees with <paramref name="component"/>'s catalog entry, or null.</summary>
    public static string? Disagreement(OperationRecord record, CatalogComponent component)
    {
        foreach (var file in record.Files)
        {
            if (component.FindFile(file.Role) is not { } entry)
            {
                return $"it names a file role \"{file.Role}\" that {component.Name} does not have in the catalog";
            }

            if (file.Path != entry.Path || file.Mode != (int)entry.Mode || file.IsUnit != entry.IsUnit)
            {
                return $"its {file.Role} file is {file.Path} (mode {Convert.ToString(file.Mode, 8)}), but the catalog says {entry.Path} (mode {Convert.ToString((int)entry.Mode, 8)})";
            }
        }

        return null;
    }
}
