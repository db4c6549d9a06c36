// The composer's video, audio, voice and other files (web/components/media.py): a file is sent
// straight to POST /media (?channel=, or ?agent= for an agent's Try it chat) (the hub streams it into storage; a Reflex event would carry
// it through the websocket) with an upload progress line; a voice message is recorded
// with MediaRecorder, with its level and elapsed time, then uploaded the same way.
// The hub answers the stored media, which goes to `onUploaded` (a pending chip) or
// `onVoice` (sent at once); every problem goes to `onError` in words a person reads.
// "Attach a file" (channels and threads, not Try it) takes any file, uploaded as kind
// "file": stored as it came, downloaded by members, never played.
import { useEffect, useRef, useState } from "react";
import { IconButton, Button } from "@radix-ui/themes";
import { Film, Mic, Paperclip, Square, X } from "lucide-react";

export const ACCEPT =
  ".mp4,.webm,.mov,.mkv,.mp3,.m4a,.wav,.ogg,.oga,.opus,.weba,video/mp4,video/webm,video/quicktime,video/x-matroska," +
  "audio/mpeg,audio/mp4,audio/wav,audio/ogg,audio/webm";
const VIDEO = ["mp4", "mov", "mkv"];
const VOICE_TYPE = "audio/webm;codecs=opus";
const PANEL = {
  position: "absolute", bottom: "calc(100% + 6px)", left: 0, right: 0, zIndex: 2, display: "flex", alignItems: "center",
  gap: "0.75em", flexWrap: "wrap", padding: "0.5em 0.75em", background: "var(--color-panel-solid)",
  border: "1px solid var(--gray-5)", borderRadius: "var(--radius-3)", boxShadow: "var(--shadow-3)",
  fontSize: "var(--font-size-2)",
};

function kindOf(file) {
  const suffix = file.name.split(".").pop().toLowerCase();
  if (suffix === "webm") return file.type.startsWith("audio/") ? "audio" : "video";
  return VIDEO.includes(suffix) ? "video" : "audio";
}

function elapsed(seconds) {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function upload(place, file, name, kind, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const query = new URLSearchParams({ ...place, filename: name, kind });
    request.open("POST", `/media?${query}`);
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(Math.round((event.loaded * 100) / event.total));
    request.onload = () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch { /* a proxy's page: the status says enough */ }
      if (request.status === 200 && body.id) resolve(body);
      else reject(new Error(body.detail || `${name} could not be uploaded (error ${request.status}). Try again.`));
    };
    request.onerror = () => reject(new Error(`${name} could not be uploaded: the connection failed. Try again.`));
    request.send(file);
  });
}

function microphoneProblem(error) {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined")
    return "This browser cannot record audio. Attach a recording instead.";
  if (error?.name === "NotAllowedError" || error?.name === "SecurityError")
    return "Microphone access was refused. Allow the microphone for this site in the browser's settings to record a voice message.";
  if (error?.name === "NotFoundError" || error?.name === "OverconstrainedError")
    return "No microphone was found. Connect one to record a voice message.";
  return `The microphone could not be started${error?.message ? ` (${error.message})` : ""}.`;
}

export function MediaComposer({ channelId, agentId, maxSeconds, onUploaded, onVoice, onError }) {
  const place = agentId ? { agent: String(agentId) } : { channel: String(channelId) };
  const input = useRef(null);
  const anyFile = useRef(null);
  const recording = useRef(null); // {recorder, stream, context, chunks, send}
  const [uploading, setUploading] = useState(null); // {name, percent}
  const [voice, setVoice] = useState(null); // {seconds, level}

  const send = async (file, name, kind, done) => {
    setUploading({ name, percent: 0 });
    try {
      done(await upload(place, file, name, kind, (percent) => setUploading({ name, percent })));
    } catch (error) {
      onError?.(error.message);
    } finally {
      setUploading(null);
    }
  };

  const chosen = async (event, asFile) => {
    const files = [...event.target.files];
    event.target.value = "";
    for (const file of files) await send(file, file.name, asFile ? "file" : kindOf(file), (media) => onUploaded?.(media));
  };

  const release = () => {
    const current = recording.current;
    recording.current = null;
    if (!current) return;
    clearInterval(current.timer);
    cancelAnimationFrame(current.frame);
    current.stream.getTracks().forEach((track) => track.stop());
    current.context?.close();
    setVoice(null);
  };

  const stop = (keep) => {
    const current = recording.current;
    if (!current) return;
    current.keep = keep;
    if (current.recorder.state !== "inactive") current.recorder.stop();
    else release();
  };

  const record = async () => {
    if (recording.current || uploading) return;
    let stream;
    try {
      if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") throw null;
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      onError?.(microphoneProblem(error));
      return;
    }
    const type = MediaRecorder.isTypeSupported(VOICE_TYPE) ? VOICE_TYPE : "audio/webm";
    const recorder = new MediaRecorder(stream, { mimeType: type });
    const current = { recorder, stream, chunks: [], keep: false, started: Date.now() };
    recorder.ondataavailable = (event) => event.data.size && current.chunks.push(event.data);
    recorder.onstop = () => {
      const blob = new Blob(current.chunks, { type: "audio/webm" });
      release();
      if (current.keep && blob.size) {
        const name = `voice-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.webm`;
        send(blob, name, "voice", (media) => onVoice?.(media));
      }
    };
    try {
      current.context = new AudioContext();
      const analyser = current.context.createAnalyser();
      analyser.fftSize = 512;
      current.context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Uint8Array(analyser.fftSize);
      const measure = () => {
        analyser.getByteTimeDomainData(samples);
        const peak = samples.reduce((most, value) => Math.max(most, Math.abs(value - 128)), 0);
        current.level = Math.min(100, Math.round((peak / 128) * 100));
        current.frame = requestAnimationFrame(measure);
      };
      measure();
    } catch {
      current.level = 0; // no level meter, the recording still works
    }
    current.timer = setInterval(() => {
      const seconds = Math.floor((Date.now() - current.started) / 1000);
      setVoice({ seconds, level: current.level || 0 });
      if (maxSeconds && seconds >= maxSeconds) stop(true);
    }, 200);
    recording.current = current;
    setVoice({ seconds: 0, level: 0 });
    recorder.start(250);
  };

  useEffect(() => release, []);
  useEffect(() => {
    if (!voice) return;
    // Escape cancels the recording and nothing else: caught first (capture) and marked
    // handled, so the thread panel around this composer (escape_key.jsx) stays open.
    const onKey = (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      stop(false);
    };
    document.addEventListener("keydown", onKey, true);
    return () => document.removeEventListener("keydown", onKey, true);
  }, [voice !== null]);

  return (
    <>
      <input ref={input} type="file" accept={ACCEPT} multiple hidden onChange={(event) => chosen(event, false)}
        aria-label="Choose a video or audio file" />
      {!agentId && (
        <>
          <input ref={anyFile} type="file" multiple hidden onChange={(event) => chosen(event, true)} aria-label="Choose a file"
            data-testid="attach-file-input" />
          <IconButton type="button" variant="soft" size="3" aria-label="Attach a file" title="Attach a file (PDF, zip, CSV …)"
            disabled={!!uploading || !!voice} onClick={() => anyFile.current?.click()}>
            <Paperclip size={16} />
          </IconButton>
        </>
      )}
      <IconButton type="button" variant="soft" size="3" aria-label="Attach video or audio" title="Attach video or audio"
        disabled={!!uploading || !!voice} onClick={() => input.current?.click()}>
        <Film size={16} />
      </IconButton>
      <IconButton type="button" variant="soft" size="3" aria-label="Record a voice message" title="Record a voice message"
        disabled={!!uploading || !!voice} onClick={record}>
        <Mic size={16} />
      </IconButton>
      {uploading && (
        <div style={PANEL} role="status" aria-live="polite">
          <span>Uploading {uploading.name} {uploading.percent}%</span>
          <progress max={100} value={uploading.percent} aria-label={`Uploading ${uploading.name}`} style={{ flex: "1 1 6em" }} />
        </div>
      )}
      {voice && (
        <div style={PANEL} role="group" aria-label="Recording a voice message">
          <span role="timer" aria-label="Recorded time" style={{ fontVariantNumeric: "tabular-nums", color: "var(--red-11)" }}>
            ● {elapsed(voice.seconds)}
          </span>
          <div role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={voice.level}
            style={{ flex: "1 1 4em", height: "6px", background: "var(--gray-4)", borderRadius: "3px", overflow: "hidden" }}>
            <div style={{ width: `${voice.level}%`, height: "100%", background: "var(--accent-9)", transition: "width 80ms" }} />
          </div>
          <Button type="button" size="2" onClick={() => stop(true)}><Square size={14} />Stop and send</Button>
          <Button type="button" size="2" variant="soft" color="gray" onClick={() => stop(false)}><X size={14} />Cancel</Button>
        </div>
      )}
    </>
  );
}
