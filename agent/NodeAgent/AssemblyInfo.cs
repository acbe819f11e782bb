using System.Runtime.Versioning;

// File modes, statvfs, hard links and the process manager are POSIX. The Windows service (its own issue) brings
// Windows implementations of these seams; until then the agent declares Linux.
[assembly: SupportedOSPlatform("linux")]
