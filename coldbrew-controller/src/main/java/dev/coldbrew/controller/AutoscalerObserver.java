package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;

/**
 * Told each revision's latest autoscaler decision (after every decider tick and every PodAutoscaler
 * reconcile), for metrics, events and dashboards. Called from the multiscaler's thread (ticks) and
 * the PodAutoscaler reconcile workers, possibly concurrently for different revisions but in order,
 * one call at a time, for one revision; never from a data-plane event loop. Must not block: every
 * revision's ticks wait for it.
 */
public interface AutoscalerObserver {
  /** The revision's latest decision. */
  void decided(NamespacedName revision, Decision decision);

  /** The revision's autoscaler is gone (its PodAutoscaler or Revision was deleted). */
  void removed(NamespacedName revision);

  /**
   * One revision's autoscaler state: what Knative's autoscaler exports as its metrics ({@code
   * desired_pods}, {@code actual_pods}, …), counted in instances.
   *
   * @param desiredInstances what the decider wants (before the PodAutoscaler's bounds); -1 before
   *     its first valid tick
   * @param readyInstances ready instances
   * @param requestedInstances what the PodAutoscaler last asked the runtime for (after bounds and
   *     scale-to-zero gating); -1 before the first
   * @param panicMode whether the decider is panicking
   * @param stableRequestConcurrency observed concurrency over the stable window
   * @param panicRequestConcurrency observed concurrency over the panic window
   * @param targetConcurrencyPerInstance the per-instance target
   * @param excessBurstCapacity spare capacity beyond the target burst capacity
   * @param sksMode the mode the PodAutoscaler last wrote into the ServerlessService
   */
  record Decision(
      int desiredInstances,
      int readyInstances,
      int requestedInstances,
      boolean panicMode,
      double stableRequestConcurrency,
      double panicRequestConcurrency,
      double targetConcurrencyPerInstance,
      int excessBurstCapacity,
      SksMode sksMode) {}

  /** Observes nothing. */
  AutoscalerObserver NONE =
      new AutoscalerObserver() {
        @Override
        public void decided(NamespacedName revision, Decision decision) {}

        @Override
        public void removed(NamespacedName revision) {}
      };
}
