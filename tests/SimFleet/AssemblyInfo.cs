using System.Runtime.Versioning;

// The agents it hosts are Linux-only (file modes, statvfs, hard links).
[assembly: SupportedOSPlatform("linux")]
