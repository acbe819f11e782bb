using Microsoft.Extensions.Configuration;

namespace NodeAgent.Configuration;

/// <summary>Reads and validates the agent's config file (YAML or JSON), with NODEAGENT_ environment overrides.</summary>
internal static class AgentConfigLoader
{
    public const string DefaultPath = "/etc/nodeagent/agent.yaml";
    private const string Prefix = "NODEAGENT_";

    /// <summary>
    /// The config path from --config, else $NODEAGENT_CONFIG, else the default; a relative path is relative to the
    /// current directory (where the operator typed it), not to the binary.
    /// </summary>
    public static string ResolvePath(string? fromArgs) =>
        Path.GetFullPath(fromArgs ?? (Environment.GetEnvironmentVariable("NODEAGENT_CONFIG") is { Length: > 0 } fromEnv ? fromEnv : DefaultPath));

    /// <summary>
    /// NODEAGENT_Section__Key=value overrides Section:Key. The agent's own variables (NODEAGENT_CONFIG,
    /// NODEAGENT_SOCKET, NODEAGENT_FAILPOINTS) are not config keys.
    /// </summary>
    private static Dictionary<string, string?> EnvironmentOverrides()
    {
        string[] reserved = ["CONFIG", "SOCKET", "FAILPOINTS"];
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var name = (string)variable.Key;
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && !reserved.Contains(name[Prefix.Length..], StringComparer.Ordinal))
            {
                overrides[name[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = (string?)variable.Value;
            }
        }

        return overrides;
    }

    public static AgentOptions Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new AgentConfigException($"config file {path} is a directory; pass the agent.yaml inside it with --config");
        }

        if (!File.Exists(path))
        {
            throw new AgentConfigException($"config file {path} does not exist (pass --config PATH or set NODEAGENT_CONFIG)");
        }

        var builder = new ConfigurationBuilder();
        var extension = Path.GetExtension(path).ToLowerInvariant();
        _ = extension switch
        {
            ".yaml" or ".yml" => builder.AddYamlFile(path, optional: false, reloadOnChange: false),
            ".json" => builder.AddJsonFile(path, optional: false, reloadOnChange: false),
            _ => throw new AgentConfigException($"config file {path}: the name must end in .yaml, .yml or .json"),
        };
        builder.AddInMemoryCollection(EnvironmentOverrides());

        var options = new AgentOptions();
        try
        {
            builder.Build().Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new AgentConfigException($"config file {path}: {Shown(ex.Message)}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentConfigException($"config file {path} cannot be read: {ex.Message}");
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            throw new AgentConfigException($"config file {path} is not valid {extension.TrimStart('.')}: {Shown(ex.Message)}");
        }
        catch (Exception ex) when (ex.GetType().Namespace?.StartsWith("YamlDotNet", StringComparison.Ordinal) == true)
        {
            throw new AgentConfigException($"config file {path} is not valid YAML: {Shown(ex.Message)}");
        }

        var result = new AgentOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new AgentConfigException($"config file {path} is invalid:\n  " + string.Join("\n  ", result.Failures.Select(Shown)));
        }

        return options;
    }

    /// <summary>An error that may quote the file's own text: control characters escaped, bounded, one line.</summary>
    private static string Shown(string message) => Validation.InputRules.Escape(message, 1000);
}
