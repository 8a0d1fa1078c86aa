// A small service with a real start-up, for the JVM scenario (criu-jvm.sh):
// what a JVM that starts from a checkpoint saves is this start-up, so it must
// cost something and leave state behind.
//
//   java -cp cr-service.jar CrService PORT [--train]
//
// Start-up: load and link every public class of a good part of java.base
// (as a framework's class path scan would), run the hot code until the JIT
// has compiled it, build an in-memory cache. Then answer HTTP on
// 127.0.0.1:PORT, one line per request:
//
//   pid=P token=T requests=N cache=C builds=B startup_ms=S value=V
//
// token is drawn once at start and lives only in memory; requests counts the
// answers given; builds counts cache builds (1 for the life of the process):
// a restored service carries them on, a restarted one starts over.
// GET /?key=K also looks K up in the cache (value=...).
//
// --train: answer one request of its own and exit, for the JDK's AOT cache
// (-XX:AOTCacheOutput=): the classes and profiles of the whole start-up.

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

public final class CrService {
	private static final int CACHE_ENTRIES = 20_000;
	private static final String[] PACKAGES = {
		"java/util", "java/util/concurrent", "java/util/stream", "java/util/regex",
		"java/util/function", "java/time", "java/time/format", "java/net", "java/io",
		"java/math",
	};

	private static final AtomicLong requests = new AtomicLong();
	private static final Map<Integer, String> cache = new HashMap<>();
	private static int builds;
	private static long token;
	private static long startupMs;

	// Every public class of the packages above, loaded and initialised.
	static int loadClasses() throws IOException {
		int n = 0;
		FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
		for (String pkg : PACKAGES) {
			Path dir = jrt.getPath("/modules/java.base", pkg);
			if (!Files.isDirectory(dir))
				continue;
			try (Stream<Path> files = Files.list(dir)) {
				for (Path p : (Iterable<Path>) files::iterator) {
					String f = p.getFileName().toString();
					if (!f.endsWith(".class") || f.contains("$"))
						continue;
					String name = pkg.replace('/', '.') + "." +
						f.substring(0, f.length() - ".class".length());
					try {
						Class.forName(name, true, CrService.class.getClassLoader());
						n++;
					} catch (Throwable e) {
						// not public, or not initialisable here: skip
					}
				}
			}
		}
		return n;
	}

	// The hot code: what every request and the cache build run.
	static String digest(MessageDigest md, int key) {
		byte[] in = ("key-" + key).getBytes(StandardCharsets.UTF_8);
		byte[] out = md.digest(in);
		for (int i = 0; i < 8; i++)
			out = md.digest(out);
		return HexFormat.of().formatHex(out, 0, 8);
	}

	// Run the hot code until the JIT has compiled it: until a batch takes
	// no more than a fifth of the first one's time, three batches running.
	static int warmUp(MessageDigest md) {
		long first = 0;
		int batches = 0, fast = 0;
		while (fast < 3 && batches < 200) {
			long t = System.nanoTime();
			for (int i = 0; i < 2000; i++)
				digest(md, i);
			t = System.nanoTime() - t;
			if (batches++ == 0)
				first = t;
			fast = t * 5 <= first ? fast + 1 : 0;
		}
		return batches;
	}

	static void buildCache(MessageDigest md) {
		for (int k = 0; k < CACHE_ENTRIES; k++)
			cache.put(k, digest(md, k));
		builds++;
	}

	static String answer(String query) {
		long n = requests.incrementAndGet();
		String value = "-";
		if (query != null && query.startsWith("key=")) {
			try {
				value = cache.getOrDefault(Integer.parseInt(query.substring(4)), "none");
			} catch (NumberFormatException e) {
				value = "bad-key";
			}
		}
		return String.format("pid=%d token=%016x requests=%d cache=%d builds=%d startup_ms=%d value=%s%n",
			ProcessHandle.current().pid(), token, n, cache.size(), builds, startupMs, value);
	}

	public static void main(String[] args) throws Exception {
		long t0 = System.nanoTime();
		int port = Integer.parseInt(args[0]);
		boolean train = args.length > 1 && args[1].equals("--train");

		token = new java.security.SecureRandom().nextLong();
		int classes = loadClasses();
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		int batches = warmUp(md);
		buildCache(md);

		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
		server.createContext("/", ex -> {
			byte[] body = answer(ex.getRequestURI().getQuery()).getBytes(StandardCharsets.UTF_8);
			ex.getResponseHeaders().set("Connection", "close");
			ex.sendResponseHeaders(200, body.length);
			try (OutputStream os = ex.getResponseBody()) {
				os.write(body);
			}
		});
		server.start();
		startupMs = (System.nanoTime() - t0) / 1_000_000;
		System.err.printf("ready: %d classes, %d warm-up batches, JIT %d ms, cache %d, %d ms%n",
			classes, batches, ManagementFactory.getCompilationMXBean().getTotalCompilationTime(),
			cache.size(), startupMs);

		if (train) {
			URL url = URI.create("http://127.0.0.1:" + port + "/?key=1").toURL();
			try (InputStream in = url.openStream()) {
				in.readAllBytes();
			}
			server.stop(0);
			System.exit(0);
		}
	}
}
