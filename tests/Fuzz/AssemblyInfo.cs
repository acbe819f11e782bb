using System.Runtime.Versioning;

// The agent code it loads (the config loader) is Linux-only.
[assembly: SupportedOSPlatform("linux")]
