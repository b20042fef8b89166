package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.config.GcConfig;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Configuration.ConfigurationStatus;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.validation.ValidationContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RevisionGc} over a Configuration with six Revisions created an hour apart from {@code T0}:
 * 1, 2 and 5 not routed ({@code reserve}); 3 not routed but annotated {@code no-gc}; 4 routed
 * ({@code active}); 6 the latest ready one. Revision 5 was routed until {@code T0 + 18h}.
 */
class RevisionGcTest {
  private static final Duration NOW = Duration.ofHours(20);

  private static GcConfig gc(Duration create, Duration active, long min, long max) {
    return new GcConfig(create, active, min, max);
  }

  /** The Revisions left after one collection at {@code T0 + 20h}, and its requeue. */
  private record Result(List<String> left, Duration requeue) {}

  private static Result collect(GcConfig config) throws Exception {
    try (TableTest t = new TableTest(ValidationContext.standard().withGc(config))) {
      Configuration cfg = Given.configuration(t, Given.service(t, Given.hello("World", "")));
      for (int i = 1; i <= 6; i++) {
        Revision rev = ConfigurationReconciler.stamp(cfg, "hello-0000" + i);
        String state = i == 4 || i == 6 ? "active" : "reserve";
        rev.metadata.labels().put(Labels.ROUTING_STATE, state);
        rev.metadata
            .annotations()
            .put(
                Labels.ROUTING_STATE_MODIFIED,
                TableTest.T0.plus(Duration.ofHours(i == 5 ? 18 : i)).toString());
        if (i == 3) {
          rev.metadata.annotations().put(RevisionGc.NO_GC, "true");
        }
        t.seed(rev);
        t.clock.advance(Duration.ofHours(1));
      }
      cfg.status = new ConfigurationStatus();
      cfg.status.latestCreatedRevisionName = "hello-00006";
      cfg.status.latestReadyRevisionName = "hello-00006";
      t.clock.advance(NOW.minus(Duration.ofHours(6)));
      t.sync();
      Duration requeue = new RevisionGc(t.ctx).collect(cfg);
      List<String> left =
          t.memory.list(Kind.REVISION, "default").items().stream()
              .map(r -> r.metadata.name)
              .sorted()
              .toList();
      return new Result(left, requeue);
    }
  }

  @Test
  void staleRevisionsGoOldestFirstAndTheNextTurnsStaleOnARequeue() throws Exception {
    Result r = collect(gc(Duration.ofHours(10), Duration.ofHours(5), 1, 1000));
    // 1 and 2 are stale; 5 was active 2 h ago and turns stale at 18 h + 5 h
    assertThat(r.left())
        .containsExactly("hello-00003", "hello-00004", "hello-00005", "hello-00006");
    assertThat(r.requeue()).isEqualTo(Duration.ofHours(3).plusMillis(10));
  }

  @Test
  void minNonActiveRevisionsAreKeptEvenWhenStale() throws Exception {
    Result r = collect(gc(Duration.ofHours(10), Duration.ofHours(1), 2, 1000));
    // 1, 2 and 5 are all stale; two of them must stay: only the oldest goes
    assertThat(r.left())
        .containsExactly("hello-00002", "hello-00003", "hello-00004", "hello-00005", "hello-00006");
  }

  @Test
  void beyondMaxNonActiveRevisionsTheOldestGoWhateverTheirAge() throws Exception {
    Result r = collect(gc(null, null, 0, 1));
    assertThat(r.left())
        .containsExactly("hello-00003", "hello-00004", "hello-00005", "hello-00006");
    assertThat(r.requeue()).isNull();
  }

  @Test
  void routedLatestReadyAndNoGcRevisionsAreNeverCollected() throws Exception {
    Result r = collect(gc(Duration.ZERO, Duration.ZERO, 0, 0));
    assertThat(r.left()).containsExactly("hello-00003", "hello-00004", "hello-00006");
  }

  @Test
  void knativeDefaultsKeepTwentyAndDisabledSettingsDeleteNothing() throws Exception {
    List<String> all =
        List.of(
            "hello-00001",
            "hello-00002",
            "hello-00003",
            "hello-00004",
            "hello-00005",
            "hello-00006");
    assertThat(collect(GcConfig.defaults()).left()).isEqualTo(all);
    assertThat(collect(gc(null, null, 0, GcConfig.DISABLED)).left()).isEqualTo(all);
  }

  @Test
  void aHandEditedTimestampCountsFromCreation() {
    Revision rev = new Revision();
    rev.metadata.creationTimestamp = "2026-01-01T00:00:00Z";
    rev.metadata.annotations().put(Labels.ROUTING_STATE_MODIFIED, "yesterday");
    assertThat(RevisionGc.lastActive((Resource) rev)).isEqualTo(TableTest.T0);
  }
}
