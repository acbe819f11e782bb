using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

internal static class ComponentFileRoles
{
    public const string Binary = "binary";

    /// <summary>Roles whose change needs a service-manager reload (systemd unit files and drop-ins).</summary>
    public static bool IsUnit(string role) => role.StartsWith("unit", StringComparison.Ordinal);
}

/// <summary>One file a component owns.</summary>
internal sealed record CatalogFile(string Role, string Path, UnixFileMode Mode)
{
    public bool IsUnit => ComponentFileRoles.IsUnit(Role);
}

/// <summary>Where and how a component's hash-skip marker is written.</summary>
internal sealed record MarkerSpec(string Path, string Format);

/// <summary>A validated catalog entry.</summary>
internal sealed record CatalogComponent(
    string Name,
    string Unit,
    IReadOnlyList<CatalogFile> Files,
    Uri? HealthUrl,
    IReadOnlyList<string> VersionArgs,
    Regex VersionPattern,
    MarkerSpec? Marker,
    IReadOnlyList<string> ProcessArgs,
    bool CheckContainers,
    bool CountConnections,
    TimeSpan HealthStable)
{
    public CatalogFile Binary => Files.First(f => f.Role == ComponentFileRoles.Binary);

    public CatalogFile? FindFile(string role) => Files.FirstOrDefault(f => f.Role == role);
}

/// <summary>The components this agent may touch. Callers name components, never paths.</summary>
internal sealed class ComponentCatalog
{
    private readonly Dictionary<string, CatalogComponent> _byName;

    public ComponentCatalog(AgentOptions options)
    {
        Components = options.Components.Select(Build).ToList();
        _byName = Components.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<CatalogComponent> Components { get; }

    public CatalogComponent? Find(string name) => _byName.GetValueOrDefault(name);

    private static CatalogComponent Build(ComponentOptions c) => new(
        c.Name,
        c.Unit,
        c.Files.Select(f => new CatalogFile(f.Role, f.Path, ModeOf(f))).ToList(),
        string.IsNullOrEmpty(c.HealthUrl) ? null : new Uri(c.HealthUrl),
        c.Version.Args,
        new Regex(c.Version.Pattern, RegexOptions.None, TimeSpan.FromSeconds(1)),
        c.Marker is null ? null : new MarkerSpec(c.Marker.Path, c.Marker.Format),
        c.ProcessArgs,
        c.CheckContainers,
        c.CountConnections,
        TimeSpan.FromSeconds(c.HealthStableSeconds));

    private static UnixFileMode ModeOf(ComponentFileOptions file)
    {
        if (file.Mode is not null && AgentOptionsValidator.TryParseMode(file.Mode, out var mode))
        {
            return mode;
        }

        return file.Role == ComponentFileRoles.Binary
            ? (UnixFileMode)Convert.ToInt32("755", 8)
            : (UnixFileMode)Convert.ToInt32("644", 8);
    }
}
