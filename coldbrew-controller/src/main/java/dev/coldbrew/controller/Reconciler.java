package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import java.time.Duration;

/**
 * Makes the world match one resource's spec and records what it found in status. Level-based and
 * idempotent: it is called with a key, reads the current state, and may be called again any time.
 * Errors a user can cause land in status conditions; an exception means "try again later".
 */
@FunctionalInterface
public interface Reconciler {
  /**
   * Reconciles the resource with this key (which may no longer exist).
   *
   * @return when to reconcile again even without a change, or null for never
   */
  Duration reconcile(NamespacedName key) throws Exception;
}
