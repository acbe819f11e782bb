namespace NodeAgent.Coordinator.Distribution;

/// <summary>Where one node is in the distribution of one blob.</summary>
internal enum ScheduledState
{
    /// <summary>Needs the blob and has no source now.</summary>
    Waiting,

    /// <summary>Fetching from its source; serves its verified prefix onward.</summary>
    Fetching,

    /// <summary>Holds the whole verified blob.</summary>
    Done,

    /// <summary>Given up: nobody fetches from it.</summary>
    Failed,
}
