package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreWatchTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private SqliteStore open(int historyEvents) {
    SqliteStore s =
        SqliteStore.open(
            dir.resolve("data"), SqliteStore.Options.defaults().withHistoryEvents(historyEvents));
    toClose.add(s);
    return s;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void concurrentWritersAreSeenOnceEachInCommitOrder() throws Exception {
    SqliteStore store = open(10_000);
    Recorder rec = new Recorder();
    toClose.add(store.watch(0, rec));
    int threads = 6;
    int perThread = 40;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  Service s = (Service) store.create(service("s-" + id + "-" + i));
                  Service change = ResourceCodec.copy(s);
                  change.metadata.labels().put("n", "" + i);
                  store.update(change);
                }
              }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    int writes = threads * perThread * 2;

    await().atMost(WAIT).until(() -> rec.size() >= writes);
    List<WatchEvent> events = rec.events();
    assertThat(events).hasSize(writes);
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).resourceVersion()).isEqualTo(i + 1);
      assertThat(events.get(i).resource().metadata.resourceVersion).isEqualTo("" + (i + 1));
    }
    Map<String, List<WatchEvent.Type>> perName = new HashMap<>();
    for (WatchEvent e : events) {
      perName.computeIfAbsent(e.name(), n -> new ArrayList<>()).add(e.type());
    }
    assertThat(perName).hasSize(threads * perThread);
    assertThat(perName.values())
        .allMatch(types -> types.equals(List.of(WatchEvent.Type.ADDED, WatchEvent.Type.MODIFIED)));
    assertThat(store.list(Kind.SERVICE, null).resourceVersion()).isEqualTo(writes);
  }

  @Test
  void watchFromAnOldVersionReplaysThenFollows() {
    SqliteStore store = open(100);
    for (int i = 1; i <= 5; i++) {
      store.create(service("s" + i));
    }
    Recorder rec = new Recorder();
    toClose.add(store.watch(2, rec));
    store.create(service("s6"));

    await().atMost(WAIT).until(() -> rec.size() == 4);
    assertThat(rec.summary())
        .containsExactly(
            "ADDED Service default/s3",
            "ADDED Service default/s4",
            "ADDED Service default/s5",
            "ADDED Service default/s6");
  }

  @Test
  void watchFromBeforeTheRetainedHistoryIsReset() {
    SqliteStore store = open(4);
    for (int i = 1; i <= 10; i++) {
      store.create(service("s" + i));
    }
    Recorder old = new Recorder();
    Recorder recent = new Recorder();
    toClose.add(store.watch(1, old));
    toClose.add(store.watch(6, recent));

    await().atMost(WAIT).until(() -> old.size() == 1 && recent.size() == 4);
    assertThat(old.summary()).containsExactly("RESET");
    assertThat(recent.summary()).first().isEqualTo("ADDED Service default/s7");
  }

  @Test
  void watchFromAVersionNeverAssignedIsReset() {
    SqliteStore store = open(100);
    store.create(service("s1"));
    Recorder rec = new Recorder();
    toClose.add(store.watch(99, rec));

    await().atMost(WAIT).until(() -> rec.size() == 1);
    assertThat(rec.summary()).containsExactly("RESET");
  }

  @Test
  void slowWatcherGetsResetAndNothingAfter() throws Exception {
    SqliteStore store = open(8);
    CountDownLatch release = new CountDownLatch(1);
    Recorder rec = new Recorder();
    toClose.add(
        store.watch(
            0,
            e -> {
              rec.onEvent(e);
              try {
                release.await();
              } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
              }
            }));
    Recorder fast = new Recorder();
    toClose.add(store.watch(0, fast));
    // one create at a time, each seen by the fast watcher before the next: only the blocked
    // watcher falls more than the history's 8 events behind (a fast one whose thread was not
    // scheduled for a moment could be lapped too by a burst)
    for (int i = 1; i <= 30; i++) {
      store.create(service("s" + i));
      int seen = i;
      await().atMost(WAIT).until(() -> fast.size() == seen);
    }
    release.countDown();

    await().atMost(WAIT).until(() -> rec.size() == 2);
    assertThat(rec.summary()).containsExactly("ADDED Service default/s1", "RESET");
    store.create(service("after"));
    await().atMost(WAIT).until(() -> fast.size() == 31);
    assertThat(rec.size()).isEqualTo(2);
    assertThat(fast.summary()).doesNotContain("RESET");
  }

  @Test
  void closedWatchReceivesNothingMore() {
    SqliteStore store = open(100);
    Recorder rec = new Recorder();
    Watch w = store.watch(0, rec);
    store.create(service("one"));
    await().atMost(WAIT).until(() -> rec.size() == 1);

    w.close();
    store.create(service("two"));
    Recorder after = new Recorder();
    toClose.add(store.watch(1, after));

    await().atMost(WAIT).until(() -> after.size() == 1);
    assertThat(rec.summary()).containsExactly("ADDED Service default/one");
  }

  @Test
  void reopenedStoreKeepsEverythingAndContinuesTheSequence() {
    SqliteStore store = open(100);
    Resource svc = store.create(service("hello"));
    Service s = (Service) ResourceCodec.copy(svc);
    s.status = new Service.ServiceStatus();
    s.status.url = "http://hello";
    store.updateStatus(s);
    store.create(service("bye"));
    store.delete(Kind.SERVICE, "default", "bye");
    store.close();

    SqliteStore reopened = open(100);
    Service read = (Service) reopened.get(Kind.SERVICE, "default", "hello").orElseThrow();
    assertThat(read.status.url).isEqualTo("http://hello");
    assertThat(read.metadata.uid).isEqualTo(svc.metadata.uid);
    assertThat(reopened.get(Kind.SERVICE, "default", "bye")).isEmpty();
    assertThat(reopened.list(Kind.SERVICE, null).resourceVersion()).isEqualTo(4);
    assertThat(reopened.create(service("next")).metadata.resourceVersion).isEqualTo("5");

    Recorder fromBefore = new Recorder();
    Recorder fromNow = new Recorder();
    toClose.add(reopened.watch(2, fromBefore));
    toClose.add(reopened.watch(4, fromNow));
    await().atMost(WAIT).until(() -> fromBefore.size() == 1 && fromNow.size() == 1);
    assertThat(fromBefore.summary()).containsExactly("RESET");
    assertThat(fromNow.summary()).containsExactly("ADDED Service default/next");
  }
}
