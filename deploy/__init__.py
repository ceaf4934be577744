"""How the services run: `make run` on one machine (deploy/run.py with supervisord.conf), and the production files
of docker-compose.yml (nginx.conf, endpoints.yml, env.example)."""
