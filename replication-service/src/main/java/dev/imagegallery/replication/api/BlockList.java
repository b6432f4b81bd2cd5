package dev.imagegallery.replication.api;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.replication.service.BlobService;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The body of Azure's Put Block List, parsed strictly with the JDK's StAX parser (no DTD, no external entities):
 * {@code <BlockList>} holding only {@code <Latest>}, {@code <Committed>} and {@code <Uncommitted>} elements, each a
 * Base64 block id, all of one length, at most {@value #MAX_BLOCKS} of them. Anything else (a truncated body, an
 * unknown element, a missing closing tag, a bad id, a DTD) is 400 {@code InvalidBlockList}, thrown before anything is
 * committed. Comments and whitespace between elements are allowed; ids are trimmed.
 */
public final class BlockList {
    /** Azure's limit on the blocks of one blob. */
    static final int MAX_BLOCKS = 50_000;
    /** 50,000 ids of 64 bytes in the longest element names come to about 6 MiB. */
    static final int MAX_BYTES = 8 << 20;
    static final Set<String> ELEMENTS = Set.of("Latest", "Committed", "Uncommitted");
    private static final XMLInputFactory FACTORY = factory();

    private BlockList() {
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory(); // the JDK's own, whatever else is on the classpath
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        return f;
    }

    static ArmException invalid(String why) {
        return ArmException.invalid("InvalidBlockList", "The specified block list is invalid: " + why
                + "; nothing was committed and the staged blocks are kept.", "body");
    }

    /**
     * Reads the body (at most {@link #MAX_BYTES}) and returns the block ids in order. {@code md5} is the request's
     * Content-MD5 (decoded), or null: Azure's Put Block List checks the body against it, 400 {@code Md5Mismatch}, and
     * commits nothing (it was ignored: a list damaged on its way was committed as it arrived).
     */
    public static List<String> read(InputStream body, byte[] md5) throws IOException {
        byte[] xml = body.readNBytes(MAX_BYTES + 1);
        if (xml.length > MAX_BYTES) {
            throw invalid("the body is larger than " + MAX_BYTES + " bytes");
        }
        if (md5 != null && !java.security.MessageDigest.isEqual(md5, BlobService.md5Digest().digest(xml))) {
            throw ArmException.invalid("Md5Mismatch", "The MD5 value specified in the request did not match the MD5 "
                    + "value calculated by the server; nothing was committed and the staged blocks are kept.",
                    "Content-MD5");
        }
        return parse(xml);
    }

    static List<String> parse(byte[] xml) {
        List<String> ids = new ArrayList<>();
        XMLStreamReader r = null;
        try {
            r = FACTORY.createXMLStreamReader(new ByteArrayInputStream(xml));
            int depth = 0;
            boolean sawRoot = false;
            StringBuilder id = null;
            int length = -1;
            while (r.hasNext()) {
                int event = r.next();
                switch (event) {
                    case XMLStreamConstants.START_ELEMENT -> {
                        String name = r.getLocalName();
                        if (depth == 0) {
                            if (sawRoot || !name.equals("BlockList")) {
                                throw invalid("the root element must be <BlockList>, not <" + name + ">");
                            }
                            sawRoot = true;
                        } else if (depth == 1) {
                            if (!ELEMENTS.contains(name)) {
                                throw invalid("<" + name + "> is not a block element (Latest, Committed, "
                                        + "Uncommitted)");
                            }
                            id = new StringBuilder();
                        } else {
                            throw invalid("<" + name + "> inside a block element");
                        }
                        if (r.getAttributeCount() > 0) {
                            throw invalid("<" + name + "> takes no attributes");
                        }
                        depth++;
                    }
                    case XMLStreamConstants.END_ELEMENT -> {
                        depth--;
                        if (depth == 1) {
                            String value = id.toString().strip();
                            int n = decodedLength(value, ids.size());
                            if (length >= 0 && n != length) {
                                throw invalid("block " + ids.size() + " has an id of " + n + " bytes where the "
                                        + "others have " + length + " (all block ids of a blob have one length)");
                            }
                            length = n;
                            if (ids.size() == MAX_BLOCKS) {
                                throw invalid("more than " + MAX_BLOCKS + " blocks");
                            }
                            ids.add(value);
                            id = null;
                        }
                    }
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                        if (depth == 2) {
                            id.append(r.getText());
                        } else if (!r.isWhiteSpace()) {
                            throw invalid("text outside a block element");
                        }
                    }
                    case XMLStreamConstants.COMMENT, XMLStreamConstants.END_DOCUMENT -> {
                        // allowed
                    }
                    case XMLStreamConstants.DTD -> throw invalid("a document type declaration is not allowed");
                    case XMLStreamConstants.ENTITY_REFERENCE -> throw invalid("entity references are not allowed");
                    case XMLStreamConstants.PROCESSING_INSTRUCTION -> throw invalid("processing instructions are not "
                            + "allowed");
                    default -> throw invalid("unexpected XML content (event " + event + ")");
                }
            }
            if (!sawRoot || depth != 0) {
                throw invalid("the document ends before </BlockList>");
            }
            return ids;
        } catch (XMLStreamException e) {
            throw invalid("not well-formed XML (" + lastLine(e.getMessage()) + ")");
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // nothing held open: the input is an array
                }
            }
        }
    }

    /** The length in bytes of a Base64 block id: 1 to 64, or the list is invalid. */
    static int decodedLength(String id, int position) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(id);
        } catch (IllegalArgumentException e) {
            raw = null;
        }
        if (raw == null || raw.length == 0 || raw.length > 64) {
            throw invalid("block " + position + " ('" + abbreviate(id) + "') is not Base64 of 1 to 64 bytes");
        }
        return raw.length;
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 100 ? printable.substring(0, 100) + "..." : printable;
    }

    private static String lastLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        String line = s.lines().reduce((a, b) -> b).orElse(s);
        return abbreviate(line);
    }
}
