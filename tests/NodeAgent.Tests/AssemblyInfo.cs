using System.Runtime.Versioning;

// The agent under test declares Linux; so do its tests.
[assembly: SupportedOSPlatform("linux")]
