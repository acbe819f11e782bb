namespace NodeAgent.Tests.Infrastructure;

/// <summary>Finds leftover child processes of a test by a fragment of their command line (a test's own temp directory).</summary>
internal static class ProcessReaper
{
    /// <summary>SIGKILLs every process but this one whose command line contains <paramref name="fragment"/>.</summary>
    public static void KillByCommandLine(string fragment)
    {
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(proc, "cmdline"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (commandLine.Contains(fragment, StringComparison.Ordinal))
            {
                _ = NodeAgent.Native.Libc.Kill(pid, NodeAgent.Native.Libc.SigKill);
            }
        }
    }
}
