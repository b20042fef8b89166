package dev.coldbrew.controller;

import dev.coldbrew.api.config.GcConfig;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revision garbage collection, as Knative's {@code gc} reconciler does it for each Configuration
 * ({@link GcConfig}): of the Configuration's Revisions, those no Route sends traffic to (routing
 * state {@code reserve}), other than the latest ready one and those annotated {@code
 * serving.knative.dev/no-gc: "true"}, are non-active. Sorted by when they were last active (the
 * {@code serving.knative.dev/routingStateModified} annotation, else their creation), the stale ones
 * are deleted oldest first while more than {@code min-non-active-revisions} are left; then, beyond
 * {@code max-non-active-revisions}, the oldest of the rest. A Revision routed by traffic is never
 * collected. Knative looks again on its periodic resync; here {@link #collect} says when the next
 * non-active Revision turns stale, and the Configuration is reconciled again then. Called from the
 * Configuration's reconcile, so one Configuration is never collected on two threads at once.
 */
final class RevisionGc {
  private static final Logger log = LoggerFactory.getLogger(RevisionGc.class);

  /** {@code serving.knative.dev/no-gc: "true"} keeps a Revision whatever its age. */
  static final String NO_GC = "serving.knative.dev/no-gc";

  private final ControllerContext ctx;

  RevisionGc(ControllerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Deletes the configuration's collectable Revisions.
   *
   * @return when a kept non-active Revision turns stale, or null if none will by time alone
   */
  Duration collect(Configuration cfg) {
    GcConfig gc = ctx.config().gc();
    if (gc.disabled()) {
      return null;
    }
    List<Resource> all = ctx.cache().listOwnedBy(Kind.REVISION, cfg.metadata.uid);
    long min = gc.minNonActiveRevisions();
    if (all.size() <= min) {
      return null;
    }
    List<Resource> nonActive = new ArrayList<>();
    for (Resource r : all) {
      if (!isActive(r, cfg)) {
        nonActive.add(r);
      }
    }
    if (nonActive.size() <= min) {
      return null;
    }
    nonActive.sort(
        Comparator.comparing(RevisionGc::lastActive).thenComparing(r -> r.metadata.name));
    Instant now = ctx.clock().instant();
    long deletable = nonActive.size() - min;
    List<Resource> kept = new ArrayList<>();
    Instant nextStale = null;
    for (Resource r : nonActive) {
      Instant staleAt = staleAt(gc, r);
      if (deletable > 0 && staleAt != null && !now.isBefore(staleAt)) {
        delete(r, "stale");
        deletable--;
      } else {
        kept.add(r);
        if (staleAt != null && now.isBefore(staleAt)) {
          nextStale = nextStale == null || staleAt.isBefore(nextStale) ? staleAt : nextStale;
        }
      }
    }
    long max = gc.maxNonActiveRevisions();
    for (int i = 0; max != GcConfig.DISABLED && kept.size() - i > max; i++) {
      delete(kept.get(i), "over max-non-active-revisions (" + max + ")");
    }
    return nextStale == null ? null : Duration.between(now, nextStale).plusMillis(10);
  }

  private void delete(Resource r, String why) {
    log.info("revision GC: deleting {}/{}: {}", r.metadata.namespace, r.metadata.name, why);
    try {
      ctx.store().delete(Kind.REVISION, r.metadata.namespace, r.metadata.name);
    } catch (StoreException e) {
      if (e.reason() != StoreException.Reason.NOT_FOUND) {
        throw e;
      }
    }
  }

  /** Routed, pending, the latest ready, or kept by annotation: never collected. */
  static boolean isActive(Resource rev, Configuration cfg) {
    if (cfg.status != null && rev.metadata.name.equals(cfg.status.latestReadyRevisionName)) {
      return true;
    }
    if ("true".equalsIgnoreCase(rev.metadata.annotation(NO_GC))) {
      return true;
    }
    return !"reserve".equals(rev.metadata.label(Labels.ROUTING_STATE));
  }

  /** When the revision turns stale by the time settings, or null if they are both disabled. */
  private static Instant staleAt(GcConfig gc, Resource r) {
    if (gc.retainSinceCreateTime() == null && gc.retainSinceLastActiveTime() == null) {
      return null;
    }
    Instant at = Instant.MIN;
    if (gc.retainSinceCreateTime() != null) {
      at = created(r).plus(gc.retainSinceCreateTime());
    }
    if (gc.retainSinceLastActiveTime() != null) {
      Instant active = lastActive(r).plus(gc.retainSinceLastActiveTime());
      at = active.isAfter(at) ? active : at;
    }
    return at;
  }

  /** The routingStateModified annotation, else the creation time. */
  static Instant lastActive(Resource r) {
    String v = r.metadata.annotation(Labels.ROUTING_STATE_MODIFIED);
    if (v != null) {
      try {
        return Instant.parse(v);
      } catch (DateTimeParseException e) {
        // a hand-edited value: fall back to the creation time, as Knative does
      }
    }
    return created(r);
  }

  private static Instant created(Resource r) {
    return Instant.parse(r.metadata.creationTimestamp);
  }
}
