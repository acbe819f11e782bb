namespace FootprintFloor;

/// <summary>The directory the floor server writes staged blobs into.</summary>
internal sealed record FloorStore(string Directory);
