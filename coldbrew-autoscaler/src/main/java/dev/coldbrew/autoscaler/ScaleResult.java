package dev.coldbrew.autoscaler;

/**
 * One decision of the {@link Decider}.
 *
 * @param desiredPodCount instances wanted (before the PodAutoscaler's bounds); 0 when invalid
 * @param excessBurstCapacity spare capacity beyond the target burst capacity; negative means the
 *     activator must stay in the path; 0 when invalid
 * @param valid false when the ready count or the metrics could not be read: nothing changed
 * @param notifyChange whether the PodAutoscaler must be re-reconciled: true when valid and the
 *     desired count changed or the EBC changed sign since the last valid result (0 counts as
 *     positive)
 */
public record ScaleResult(
    int desiredPodCount, int excessBurstCapacity, boolean valid, boolean notifyChange) {

  /** The result when the inputs could not be read. */
  public static final ScaleResult INVALID = new ScaleResult(0, 0, false, false);
}
