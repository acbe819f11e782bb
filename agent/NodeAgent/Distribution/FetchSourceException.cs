namespace NodeAgent.Distribution;

/// <summary>A source failed (<see cref="Lied"/> false) or served bytes that do not match the chunk list (true).</summary>
internal sealed class FetchSourceException(string message, bool lied) : Exception(message)
{
    public bool Lied { get; } = lied;
}
