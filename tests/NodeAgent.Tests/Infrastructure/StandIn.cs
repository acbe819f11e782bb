using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>Makes stand-in "binaries": small scripts that run the stand-in service reporting a given version.</summary>
internal static class StandIn
{
    public static string DotnetHost { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));

    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "standin.dll");

    /// <summary>The content of a binary reporting <paramref name="version"/>; extra flags (such as --never-healthy) make a broken build.</summary>
    public static string Script(string version, string extra = "", string? dll = null) =>
        $"#!/bin/sh\nexec \"{DotnetHost}\" \"{dll ?? Dll}\" --reported-version {version} {extra} \"$@\"\n";

    /// <summary>Writes a stand-in binary; <paramref name="dll"/> places the stand-in elsewhere (inside a container).</summary>
    public static void WriteBinary(string path, string version, string extra = "", string? dll = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Script(version, extra, dll));
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    /// <summary>A stand-in's JSON config; <paramref name="extraMembers"/> (starting with a comma) adds keys such as apiConnections.</summary>
    public static string Config(int port, int startupDelayMs, string extraMembers = "") => $"{{\"port\": {port}, \"startupDelayMs\": {startupDelayMs}{extraMembers}}}";

    /// <summary>Config members: hold <paramref name="count"/> TCP connections to <paramref name="endpoint"/> ("ip:port") from start-up.</summary>
    public static string ApiConnections(string endpoint, int count) => $", \"apiConnections\": {{\"endpoint\": \"{endpoint}\", \"count\": {count}}}";

    /// <summary>Config members: /healthz fails until <paramref name="path"/> exists.</summary>
    public static string HealthGate(string path) => $", \"healthyWhenFileExists\": \"{path}\"";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
