package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Service.ServiceStatus;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The skeleton every reconciler runs on: what it does before and after {@code reconcileKind}. */
class KindReconcilerTest {
  private static final NamespacedName KEY = new NamespacedName("default", "hello");

  /** A Service reconciler whose middle is the test's. */
  private static final class Probe extends KindReconciler<Service> {
    final Function<Service, Duration> body;
    final List<NamespacedName> finalized = new ArrayList<>();
    final List<Service> given = new ArrayList<>();

    Probe(ControllerContext ctx, Function<Service, Duration> body) {
      super(ctx, Kind.SERVICE);
      this.body = body;
    }

    @Override
    protected Duration reconcileKind(Service svc) {
      given.add(svc);
      return body.apply(svc);
    }

    @Override
    protected void finalizeKind(NamespacedName key) {
      finalized.add(key);
    }
  }

  private static TableTest withService() throws InterruptedException {
    TableTest t = new TableTest();
    Given.service(t, Given.hello("World", ""));
    t.sync();
    t.clearRecords();
    return t;
  }

  private static Condition condition(TableTest t, String type) {
    return t.<Service>get(Kind.SERVICE, "hello").status.condition(type);
  }

  @Test
  void givesTheCopyAStatusWithEveryConditionUnknownThenRollsUpAndWritesIt() throws Exception {
    try (TableTest t = withService()) {
      Probe probe = new Probe(t.ctx, svc -> null);
      assertThat(probe.reconcile(KEY)).isNull();

      assertThat(probe.given).singleElement().satisfies(s -> assertThat(s.status).isNotNull());
      assertThat(t.store.summary()).containsExactly("updateStatus Service default/hello");
      for (String type :
          List.of(ServiceStatus.CONFIGURATIONS_READY, ServiceStatus.ROUTES_READY, Status.READY)) {
        Condition c = condition(t, type);
        assertThat(c.status).as(type).isEqualTo(Condition.UNKNOWN);
        assertThat(c.reason).as(type).isNull();
        assertThat(c.lastTransitionTime).as(type).isEqualTo(TableTest.T0.toString());
      }
      assertThat(t.<Service>get(Kind.SERVICE, "hello").status.observedGeneration).isEqualTo(1);

      t.sync();
      t.clearRecords();
      probe.reconcile(KEY);
      assertThat(t.store.summary()).as("an unchanged status is not written").isEmpty();
    }
  }

  @Test
  void rollsTheMarksUpIntoReadyAndSetsObservedGenerationFromTheCachedObject() throws Exception {
    try (TableTest t = withService()) {
      Service svc = t.get(Kind.SERVICE, "hello");
      svc.spec.template.spec.containerConcurrency = 5L;
      t.memory.update(svc); // generation 2
      t.sync();
      Probe probe =
          new Probe(
              t.ctx,
              s -> {
                s.status.markConfigurationNotOwned("hello", t.clock);
                s.metadata.generation = 99L; // the copy's metadata is not what is observed
                return Duration.ofSeconds(7);
              });

      assertThat(probe.reconcile(KEY)).isEqualTo(Duration.ofSeconds(7));

      Condition ready = condition(t, Status.READY);
      assertThat(ready.status).isEqualTo(Condition.FALSE);
      assertThat(ready.reason).isEqualTo("NotOwned");
      assertThat(t.<Service>get(Kind.SERVICE, "hello").status.observedGeneration).isEqualTo(2);
    }
  }

  @Test
  void theSubclassGetsACopyAndTheCachedObjectIsNeverChanged() throws Exception {
    try (TableTest t = withService()) {
      Service cached = (Service) t.cache.get(Kind.SERVICE, "default", "hello").orElseThrow();
      Probe probe =
          new Probe(
              t.ctx,
              s -> {
                s.metadata.labels.put("mutated", "yes");
                return null;
              });
      probe.reconcile(KEY);

      assertThat(probe.given.get(0)).isNotSameAs(cached);
      assertThat(cached.status).isNull();
      assertThat(cached.metadata.labels).doesNotContainKey("mutated");
      assertThat(t.store.summary())
          .as("only the status is written, never the spec or metadata")
          .containsExactly("updateStatus Service default/hello");
      assertThat(t.<Service>get(Kind.SERVICE, "hello").metadata.labels)
          .doesNotContainKey("mutated");
    }
  }

  @Test
  void aFailureInTheMiddleWritesNoStatusAndPropagates() throws Exception {
    try (TableTest t = withService()) {
      Probe probe =
          new Probe(
              t.ctx,
              s -> {
                s.status.markRouteNotOwned("hello", t.clock);
                throw new StoreException(StoreException.Reason.UNAVAILABLE, "the disk is gone");
              });

      assertThatThrownBy(() -> probe.reconcile(KEY))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.UNAVAILABLE));
      assertThat(t.store.summary()).isEmpty();
      assertThat(t.<Service>get(Kind.SERVICE, "hello").status).isNull();
    }
  }

  @Test
  void aResourceThatIsGoneIsFinalizedAndNothingIsWritten() throws Exception {
    try (TableTest t = new TableTest()) {
      t.sync();
      Probe probe = new Probe(t.ctx, svc -> Duration.ofSeconds(1));

      assertThat(probe.reconcile(KEY)).isNull();

      assertThat(probe.finalized).containsExactly(KEY);
      assertThat(probe.given).isEmpty();
      assertThat(t.store.summary()).isEmpty();
    }
  }
}
