using System.Globalization;

namespace NodeAgent.Coordinator.Engine;

/// <summary>Compares Kubernetes versions ("v1.17.0", "1.10.11-rc.1") by major, minor and patch.</summary>
internal static class VersionSkew
{
    public static int Compare(string left, string right) => Parse(left).CompareTo(Parse(right));

    public static bool Same(string left, string right) => left.Length > 0 && right.Length > 0 && Compare(left, right) == 0;

    private static (int, int, int) Parse(string version)
    {
        var core = version.TrimStart('v').Split('-', '+')[0].Split('.');
        int At(int i) => i < core.Length && int.TryParse(core[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return (At(0), At(1), At(2));
    }
}
