namespace Footprint;

/// <summary>The Environment= assignments of the packaged unit: the benchmark runs every server with them, as systemd would.</summary>
internal static class UnitEnvironment
{
    public static IReadOnlyDictionary<string, string> Read(string unitFile)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(unitFile).Select(l => l.Trim()).Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)))
        {
            foreach (var assignment in line["Environment=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var (name, value) = (assignment.Split('=', 2)[0], assignment.Split('=', 2)[^1]);
                environment[name.Trim('"')] = value.Trim('"');
            }
        }

        return environment;
    }
}
