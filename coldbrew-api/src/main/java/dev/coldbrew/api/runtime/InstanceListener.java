package dev.coldbrew.api.runtime;

/** Told when a revision's instances change. Called from runtime threads; must not block. */
@FunctionalInterface
public interface InstanceListener {
  void onChange(RevisionInstances instances);
}
