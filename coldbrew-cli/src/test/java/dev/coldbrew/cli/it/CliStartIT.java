package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client call of the real jar loads: none of the platform's classes (Vert.x, Netty, SQLite,
 * the server, the store, the runtime, the controller), and through {@code ./coldbrew} its classes
 * come from the class-data archive the script makes once per jar. Speed itself is measured by
 * {@code bench/run cli}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliStartIT {
  static final List<String> SERVER_PACKAGES =
      List.of(
          "io.vertx.",
          "io.netty.",
          "org.sqlite.",
          "io.micrometer.",
          "dev.coldbrew.server.",
          "dev.coldbrew.store.",
          "dev.coldbrew.runtime.",
          "dev.coldbrew.controller.",
          "dev.coldbrew.dataplane.",
          "dev.coldbrew.kubernetes.");

  Path dir;
  Platform platform;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    platform = new Platform(dir).start();
    Files.writeString(
        dir.resolve("svc.yaml"),
        Manifests.service("start", EchoApp.class, "start-" + System.nanoTime(), Map.of(), "x", ""));
  }

  @AfterAll
  void stop() throws Exception {
    platform.close();
  }

  /** The classes {@code coldbrew ARGS} loads, from the JVM's class-load log. */
  private List<String> classesLoadedBy(String... args) throws Exception {
    Path log = dir.resolve("classes-" + System.nanoTime() + ".txt");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Platform.java(),
                "-Duser.home=" + platform.home,
                "-Xlog:class+load=info:file=" + log,
                "-jar",
                Platform.JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("COLDBREW_SERVER", "http://127.0.0.1:" + platform.adminPort);
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("out.txt"))).isZero();
    try (Stream<String> lines = Files.lines(log)) {
      return lines.map(l -> l.replaceFirst("^.*\\] ", "").split(" ")[0]).toList();
    }
  }

  @Test
  void clientCommandsLoadNoPlatformClass() throws Exception {
    for (String[] args :
        List.of(
            new String[] {"service", "list"},
            new String[] {"get", "ksvc", "-o", "yaml"},
            new String[] {"apply", "-f", dir.resolve("svc.yaml").toString()},
            new String[] {"service", "describe", "start"},
            new String[] {"revision", "list"},
            new String[] {"logs", "start", "--tail", "1"},
            new String[] {"version"})) {
      List<String> loaded = classesLoadedBy(args);
      assertThat(loaded).as(String.join(" ", args)).contains("dev.coldbrew.cli.Main");
      assertThat(loaded)
          .as(String.join(" ", args))
          .noneMatch(c -> SERVER_PACKAGES.stream().anyMatch(c::startsWith));
    }
  }

  /**
   * Every command class is loaded (their names are read from their annotations) but only the named
   * one is built: the mixin of create and update, whose class only building them would load, is
   * not.
   */
  @Test
  void onlyTheNamedCommandIsBuilt() throws Exception {
    List<String> loaded = classesLoadedBy("service", "list");
    assertThat(loaded)
        .contains("dev.coldbrew.cli.commands.ServiceCommand$ListCmd")
        .doesNotContain(
            "dev.coldbrew.cli.commands.ServiceEdits",
            "java.net.http.HttpClient",
            "org.yaml.snakeyaml.Yaml");
  }

  @Test
  void theScriptMakesAClassDataArchiveOnceAndStartsFromIt() throws Exception {
    assumeTheJarIsFresh();
    Path archive = Platform.JAR.resolveSibling("coldbrew.jsa");
    Files.deleteIfExists(archive);
    Path log = dir.resolve("script-classes.txt");
    Platform.Result first = script(log, Map.of(), "version");
    assertThat(first.code()).as(first.toString()).isZero();
    assertThat(first.err()).contains("recording the client's classes");
    assertThat(archive).exists();
    long made = Files.getLastModifiedTime(archive).toMillis();
    Platform.Result second = script(log, Map.of(), "version");
    assertThat(second.err()).doesNotContain("recording");
    assertThat(Files.getLastModifiedTime(archive).toMillis()).isEqualTo(made);
    assertThat(Files.readString(log))
        .containsPattern("dev\\.coldbrew\\.cli\\.Main source: shared objects file")
        .containsPattern("picocli\\.CommandLine source: shared objects file");
  }

  /**
   * The archive's training run covers a real {@code service list} through the script: every class
   * the call loads, the jar's and the JDK's, and every lambda it links comes from the archive. Only
   * what a JVM can only make as it runs is made anew (annotation proxies, method-handle forms,
   * reflection accessors). Two calls: a class the training misses is missed by both, while the
   * call's two threads can, rarely, race to link one lambda and make it anew in one call.
   */
  @Test
  void aServiceListLoadsEveryClassFromTheArchive() throws Exception {
    assumeTheJarIsFresh();
    platform.apply(Files.readString(dir.resolve("svc.yaml")));
    List<String> missedByBoth = null;
    for (int call = 0; call < 2; call++) {
      Path log = dir.resolve("list-classes-" + call + ".txt");
      Platform.Result r =
          script(
              log,
              Map.of("COLDBREW_SERVER", "http://127.0.0.1:" + platform.adminPort),
              "service",
              "list");
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("NAME", "start");
      List<String> made = new ArrayList<>();
      List<String> notArchived = new ArrayList<>();
      for (String line : Files.readAllLines(log)) {
        String loaded = line.replaceFirst("^.*\\] ", "");
        String source = loaded.substring(loaded.indexOf(" source: ") + " source: ".length());
        // a lambda made at run time is named after its address, which differs between calls
        String name = loaded.replaceFirst("\\$\\$Lambda\\$.* source:", "\\$\\$Lambda source:");
        if (RUNTIME_MADE.contains(source)) {
          made.add(loaded);
        } else if (!source.startsWith("shared objects file")) {
          notArchived.add(name);
        }
      }
      assertThat(made).as("classes the JVM made as it ran").isNotEmpty();
      if (missedByBoth == null) {
        missedByBoth = notArchived;
      } else {
        missedByBoth.retainAll(notArchived);
      }
    }
    assertThat(missedByBoth).as("loaded from elsewhere than the archive, in both calls").isEmpty();
  }

  /**
   * The training run itself: every call it makes succeeds against its canned admin API (it exits 1
   * naming the calls that did not, which would leave their classes out of the archive), also when
   * the environment names the Kubernetes engine, and it prints nothing.
   */
  @Test
  void theTrainingRunsEveryCallCleanly() throws Exception {
    Path out = dir.resolve("training.out");
    ProcessBuilder pb =
        new ProcessBuilder(
                Platform.java(),
                "-Duser.home=" + platform.home,
                "-cp",
                Platform.JAR.toString(),
                "dev.coldbrew.cli.Main",
                "cds-training")
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().remove("COLDBREW_SERVER");
    pb.environment().remove("COLDBREW_TOKEN");
    // a user's engine setting does not send the training's creates and deletes to a cluster
    pb.environment().put("COLDBREW_ENGINE", "kubernetes");
    pb.environment().put("KUBECONFIG", dir.resolve("no-such-kubeconfig").toString());
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(out)).isZero();
    assertThat(Files.readString(out)).isEmpty();
  }

  /** The sources of the classes a JVM makes as it runs, which no archive of Java 17 holds. */
  static final List<String> RUNTIME_MADE =
      List.of("__dynamic_proxy__", "__JVM_LookupDefineClass__", "__ClassDefiner__");

  /** Skips a test when a source is newer than the jar: the script would rebuild the jar first. */
  private static void assumeTheJarIsFresh() throws Exception {
    Path root = SCRIPT.getParent();
    boolean fresh;
    try (Stream<Path> sources =
        Stream.concat(
            Stream.of(root.resolve("pom.xml")),
            Files.list(root).filter(d -> d.getFileName().toString().startsWith("coldbrew-")))) {
      long jar = Files.getLastModifiedTime(Platform.JAR).toMillis();
      fresh =
          sources.allMatch(
              p -> {
                try (Stream<Path> files =
                    Files.exists(p.resolve("src/main"))
                        ? Files.walk(p.resolve("src/main"))
                        : Stream.of(p)) {
                  return files.allMatch(f -> f.toFile().lastModified() <= jar);
                } catch (java.io.IOException e) {
                  return false;
                }
              });
    }
    Assumptions.assumeTrue(fresh, "a source is newer than the jar: the script would rebuild it");
  }

  static final Path SCRIPT = Path.of("..", "coldbrew").toAbsolutePath().normalize();

  /**
   * Runs {@code ./coldbrew ARGS} with the platform's home, {@code env} added, and the JVM's class
   * loading logged to {@code classLog}.
   */
  private Platform.Result script(Path classLog, Map<String, String> env, String... args)
      throws Exception {
    Files.deleteIfExists(classLog);
    List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString()));
    cmd.addAll(List.of(args));
    Path out = dir.resolve("script.out");
    Path err = dir.resolve("script.err");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    pb.environment()
        .put(
            "COLDBREW_JAVA_OPTS",
            "-Duser.home=" + platform.home + " -Xlog:class+load=info:file=" + classLog);
    Process p = pb.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    return new Platform.Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
