using System.Runtime.Versioning;

// The simulated fleet it drives is Linux-only (its agents and /proc).
[assembly: SupportedOSPlatform("linux")]
