package dev.coldbrew.api.validation;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Why a file the user named could not be read, in words rather than as a Java exception: {@code no
 * such file: x.yaml}, {@code permission denied: x.yaml}. Stateless; thread-safe.
 */
public final class Unreadable {
  private Unreadable() {}

  /** The reason {@code file} could not be read, given the exception reading it threw. */
  public static String why(Path file, IOException e) {
    if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
      return "no such file: " + file;
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied: " + file;
    }
    if (e.getMessage() != null && e.getMessage().contains("Is a directory")) {
      return file + " is a directory (expected: a file)";
    }
    return "cannot read " + file + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
  }
}
