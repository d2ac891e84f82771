FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title="web" \
      org.opencontainers.image.description="A small web front end"
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
EXPOSE $PORT
STOPSIGNAL SIGTERM
CMD ["node", "server.js"]
