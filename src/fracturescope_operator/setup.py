from setuptools import find_packages, setup

package_name = 'fracturescope_operator'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    package_data={'fracturescope_operator': ['web/*']},
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml', 'README.md']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description="Operator centre: a fleet's alerts in SQLite or PostgreSQL, and a witness of every robot's ledger.",
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'fracturescope-operator-centre = fracturescope_operator.cli:main',
        ],
    },
)
